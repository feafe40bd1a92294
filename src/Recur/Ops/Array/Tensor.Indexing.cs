namespace Recur;

public sealed partial class Tensor
{
    /// <summary>
    /// <c>x[index]</c>: the slice at <paramref name="index"/> of the first dimension, which is removed (TF:
    /// <c>x[i]</c>, a <c>tf.strided_slice</c> with shrink_axis_mask = 1). Negative indices count from the end.
    /// </summary>
    /// <exception cref="ArgumentException">x is a scalar, or the index is out of range of a known first dimension.</exception>
    /// <example><code>var batch = Tf.Shape(x)[0];   // Int32 scalar</code></example>
    public Tensor this[int index] =>
        Tf.StridedSlice(this, new[] { index }, new[] { index + 1 }, new[] { 1 }, shrinkAxisMask: 1);

    /// <summary>
    /// <c>x[range]</c>: a range of the first dimension, e.g. <c>x[1..]</c>, <c>x[..^1]</c> (TF: <c>x[1:]</c>,
    /// <c>x[:-1]</c>). Bounds are clamped as in Python.
    /// </summary>
    /// <exception cref="ArgumentException">x is a scalar.</exception>
    public Tensor this[Range range]
    {
        get
        {
            var (start, end) = (range.Start, range.End);
            // ^0 is "the end": as a begin it clamps to the dimension, as an end it is TF's end mask.
            int b = !start.IsFromEnd ? start.Value : start.Value == 0 ? int.MaxValue : -start.Value;
            int e = end.IsFromEnd ? -end.Value : end.Value;
            int endMask = end.IsFromEnd && end.Value == 0 ? 1 : 0;
            return Tf.StridedSlice(this, new[] { b }, new[] { e }, new[] { 1 }, endMask: endMask);
        }
    }
}

namespace Recur.Rnn;

/// <summary>Checks and small graph helpers shared by the built-in cells (build-time only; no kernels here).</summary>
internal static class CellUtil
{
    /// <summary>A scalar constant of <paramref name="like"/>'s dtype.</summary>
    public static Tensor Scalar(Tensor like, double value) => Tf.ScalarLike(like, value);

    /// <summary>TF's <c>clip_by_value(t, -clip, clip)</c>: <c>maximum(minimum(t, clip), -clip)</c>.</summary>
    public static Tensor Clip(Tensor t, double clip) =>
        Tf.Maximum(Tf.Minimum(t, Scalar(t, clip)), Scalar(t, -clip));

    /// <summary>Throws unless every leaf of <paramref name="state"/> has the input's dtype.</summary>
    public static void CheckSameDType(string owner, Tensor input, RnnState state)
    {
        foreach (var t in state.Flatten())
        {
            if (t.DType != input.DType)
                throw new ArgumentException(
                    $"{owner}: the state must have the input's dtype {input.DType}, but a state tensor has dtype {t.DType}.", nameof(state));
        }
    }

    /// <summary>Throws when the static last dimension of <paramref name="t"/> is known and is not <paramref name="expected"/>.</summary>
    public static void CheckWidth(string owner, string what, Tensor t, int expected)
    {
        if (t.Shape.IsRankKnown && t.Rank != 2)
            throw new ArgumentException($"{owner}: {what} must have shape (batch, {expected}), but got {t.Shape}.", what);
        if (t.Shape.IsRankKnown && t.Shape[-1] >= 0 && t.Shape[-1] != expected)
            throw new ArgumentException($"{owner}: {what} must have shape (batch, {expected}), but got {t.Shape}.", what);
    }

    /// <summary>Throws when the input depth differs from the one the kernel was built for.</summary>
    public static void CheckDepth(string owner, int depth, int builtDepth, Tensor input)
    {
        if (depth != builtDepth)
            throw new ArgumentException($"{owner}: input must have shape (batch, {builtDepth}), but got {input.Shape}.", nameof(input));
    }

    /// <summary>Throws unless <paramref name="numUnits"/> is positive.</summary>
    public static void CheckUnits(string owner, string what, int numUnits)
    {
        if (numUnits <= 0)
            throw new ArgumentException($"{owner}: {what} must be positive, but got {numUnits}.", what);
    }

    /// <summary>Throws unless a clip value is null or a non-negative number.</summary>
    public static void CheckClip(string owner, string what, double? clip)
    {
        if (clip is double c && (double.IsNaN(c) || c < 0))
            throw new ArgumentException($"{owner}: {what} must be >= 0 (values are clipped to [-{what}, {what}]), but got {c}.", what);
    }

    /// <summary>Columns [start, start + width) of a (batch, n) tensor (TF: <c>array_ops.slice(state, [0, start], [-1, width])</c>).</summary>
    public static Tensor Columns(Tensor t, int start, int width) => Tf.Slice(t, new[] { 0, start }, new[] { -1, width });
}

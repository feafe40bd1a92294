namespace Recur.Training;

/// <summary>
/// A batch of sequences as the models are fed: inputs <c>(batch, time, features)</c> float32, targets (float32
/// <c>(batch, time, 1)</c> for per-step regression, <c>(batch, 1)</c> for one value per sequence, int32
/// <c>(batch)</c> class labels), and the true lengths when the sequences vary in length (steps past a length are
/// padding).
/// </summary>
/// <param name="Inputs">float32 <c>(batch, time, features)</c>.</param>
/// <param name="Targets">float32 <c>(batch, time, 1)</c> or <c>(batch, 1)</c>, or int32 <c>(batch)</c> labels.</param>
/// <param name="Lengths">The length of each sequence, or null when all have <c>time</c> steps.</param>
public sealed record SequenceBatch(NDArray Inputs, NDArray Targets, int[]? Lengths)
{
    /// <summary>The number of sequences.</summary>
    public int Count => Inputs.Shape[0];

    /// <summary>Rows <c>[start, start + count)</c> of this batch.</summary>
    public SequenceBatch Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"SequenceBatch.Slice: rows [{start}, {start + count}) exceed the batch of {Count}.");
        return new SequenceBatch(SliceRows(Inputs, start, count), SliceRows(Targets, start, count), Lengths?[start..(start + count)]);
    }

    /// <summary>The rows <paramref name="rows"/> of this batch, in that order.</summary>
    public SequenceBatch Select(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new SequenceBatch(SelectRows(Inputs, rows), SelectRows(Targets, rows), Lengths is null ? null : rows.Select(r => Lengths[r]).ToArray());
    }

    private static NDArray SliceRows(NDArray a, int start, int count) => SelectRows(a, Enumerable.Range(start, count).ToList());

    private static NDArray SelectRows(NDArray a, IReadOnlyList<int> rows)
    {
        int rowSize = a.Shape[0] == 0 ? 0 : a.Size / a.Shape[0];
        var dims = new int[a.Rank];
        dims[0] = rows.Count;
        for (int i = 1; i < a.Rank; i++) dims[i] = a.Shape[i];
        var shape = new Shape(dims);
        switch (a.DType)
        {
            case DType.Float32:
            {
                var src = a.AsSpan<float>();
                var dst = new float[rows.Count * rowSize];
                for (int r = 0; r < rows.Count; r++) src.Slice(rows[r] * rowSize, rowSize).CopyTo(dst.AsSpan(r * rowSize, rowSize));
                return new NDArray(dst, shape);
            }
            case DType.Int32:
            {
                var src = a.AsSpan<int>();
                var dst = new int[rows.Count * rowSize];
                for (int r = 0; r < rows.Count; r++) src.Slice(rows[r] * rowSize, rowSize).CopyTo(dst.AsSpan(r * rowSize, rowSize));
                return new NDArray(dst, shape);
            }
            default:
                throw new ArgumentException($"SequenceBatch: arrays must be Float32 or Int32, but got {a.DType}.", nameof(a));
        }
    }
}

namespace Recur.Rnn;

/// <summary>Small ops used by the RNN drivers: run-time checks of sequence lengths and static-shape assertions.</summary>
internal static class RnnOps
{
    /// <summary>
    /// Passes <paramref name="sequenceLength"/> through, checking at run time that it is a vector of length
    /// <paramref name="batchSize"/> (when given) and that no length is negative.
    /// </summary>
    public static Tensor CheckSequenceLength(Tensor sequenceLength, Tensor? batchSize, string driver)
    {
        var inputs = batchSize is null ? new[] { sequenceLength } : new[] { sequenceLength, batchSize };
        return Graph.Default.AddOperation("CheckSequenceLength", "sequence_length", inputs, new[] { (sequenceLength.DType, sequenceLength.Shape) },
            new Dictionary<string, object?> { ["driver"] = driver }).Outputs[0];
    }

    [OpKernel("CheckSequenceLength")]
    private static void CheckSequenceLengthKernel(OpContext ctx)
    {
        var len = ctx.Input(0);
        string driver = ctx.Attr<string>("driver");
        if (len.Rank != 1)
            ctx.FailArgument($"{driver}: sequence_length must be a vector of length batch_size, but was fed shape {len.Shape}.");
        if (ctx.InputCount > 1)
        {
            int batch = ctx.Input(1).GetScalar<int>();
            if (len.Shape[0] != batch)
                ctx.FailArgument($"{driver}: expected shape for tensor sequence_length is [{batch}] (the batch size), but saw shape: [{len.Shape[0]}].");
        }
        var data = len.Data<int>();
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] < 0)
                ctx.FailArgument($"{driver}: sequence_length[{i}] = {data[i]} is negative; lengths must be >= 0.");
        }
        ctx.SetOutput(0, len);
    }

    /// <summary>
    /// Identity whose static shape is <paramref name="shape"/> merged with the input's; checked at run time
    /// (TF: <c>tf.ensure_shape</c>).
    /// </summary>
    public static Tensor EnsureShape(Tensor x, Shape shape, string? name = null)
    {
        if (!x.Shape.IsCompatibleWith(shape))
            throw new ArgumentException($"EnsureShape: tensor '{x.Name}' has shape {x.Shape}, which is incompatible with {shape}.");
        var merged = x.Shape.MergeWith(shape);
        if (merged == x.Shape) return x;
        return Graph.Default.AddOperation("EnsureShape", name ?? "EnsureShape", new[] { x }, new[] { (x.DType, merged) },
            new Dictionary<string, object?> { ["shape"] = merged }).Outputs[0];
    }

    [OpKernel("EnsureShape")]
    private static void EnsureShapeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var shape = ctx.Attr<Shape>("shape");
        if (!x.Shape.IsCompatibleWith(shape))
            ctx.FailArgument($"shape of tensor {x.Shape} is not compatible with the expected shape {shape}.");
        ctx.SetOutput(0, x);
    }

    [OpGradient("EnsureShape")]
    private static Tensor?[] EnsureShapeGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] };

    [OpGradient("CheckSequenceLength")]
    private static Tensor?[] CheckSequenceLengthGrad(Operation op, IReadOnlyList<Tensor?> dy) => new Tensor?[op.Inputs.Count];
}

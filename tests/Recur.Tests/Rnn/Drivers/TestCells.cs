using Recur.Rnn;

namespace Recur.Tests.Rnn.Drivers;

/// <summary>TF's Plus1RNNCell: output = input + 1, state = state + 1; sizes 5.</summary>
internal sealed class Plus1Cell(int size = 5) : RnnCell(null)
{
    public override RnnSize StateSize => size;
    public override RnnSize OutputSize => size;
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state) => (input + 1.0, state.Tensor + 1.0);
}

/// <summary>TF's ScalarStateRNNCell: output = input, int32 scalar state + 1.</summary>
internal sealed class ScalarStateCell() : RnnCell(null)
{
    public override RnnSize StateSize => RnnSize.Of(Shape.Scalar);
    public override RnnSize OutputSize => 1;
    public override RnnState ZeroState(Tensor batchSize, DType dtype) => Tf.Constant(0);
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state) => (input, state.Tensor + 1);
}

/// <summary>TF's UnbalancedOutputRNNCell: outputs (input, concat(input, input)), int32 scalar state + 1.</summary>
internal sealed class UnbalancedOutputCell() : RnnCell(null)
{
    public override RnnSize StateSize => RnnSize.Of(Shape.Scalar);
    public override RnnSize OutputSize => RnnSize.Tuple(1, 2);
    public override RnnState ZeroState(Tensor batchSize, DType dtype) => Tf.Constant(0);
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state) =>
        throw new InvalidOperationException("nested output cell");
    protected override (RnnState Output, RnnState State) CallNestedCore(RnnState input, RnnState state)
    {
        var x = input.Tensor;
        return (new RnnStateTuple(x, Tf.Concat(new[] { x, x }, -1)), state.Tensor + 1);
    }
}

/// <summary>TF's TensorArrayStateRNNCell: state (int32 step, TensorArray of inputs).</summary>
internal sealed class TensorArrayStateCell() : RnnCell(null)
{
    public override RnnSize StateSize => RnnSize.Tuple(RnnSize.Of(Shape.Scalar), RnnSize.Tuple());
    public override RnnSize OutputSize => 1;
    public override RnnState ZeroState(Tensor batchSize, DType dtype) =>
        new RnnStateTuple(Tf.Constant(0), RnnState.Of(new TensorArray(dtype, 0, dynamicSize: true)));
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        var s = (RnnStateTuple)state;
        var step = s[0].Tensor;
        var arr = s[1].TensorArray.Write(step, input);
        return (input, new RnnStateTuple(step + 1, RnnState.Of(arr)));
    }
}

/// <summary>A cell with a multi-dimensional (3, 4) state and output: out = state' = 0.5·state + sum(input)·1.</summary>
internal sealed class MultiDimCell() : RnnCell(null)
{
    public override RnnSize StateSize => RnnSize.Of(new Shape(3, 4));
    public override RnnSize OutputSize => RnnSize.Of(new Shape(3, 4));
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        var sum = Tf.ReduceSum(input, new[] { 1 }, keepDims: true);                 // (B, 1)
        var next = state.Tensor * 0.5 + Tf.Reshape(sum, new[] { -1, 1, 1 });
        return (next, next);
    }
}

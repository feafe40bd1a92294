using static Recur.Tests.Ops.Math.MathTestUtil;

namespace Recur.Tests.Ops.Math;

public class UnaryOpsTests
{
    private static readonly Dictionary<string, (Func<Tensor, Tensor> Op, Func<double, double> Ref)> Ops = new()
    {
        ["Negative"] = (x => Tf.Negative(x), v => -v),
        ["Sigmoid"] = (x => Tf.Sigmoid(x), v => 1 / (1 + System.Math.Exp(-v))),
        ["Tanh"] = (x => Tf.Tanh(x), System.Math.Tanh),
        ["Relu"] = (x => Tf.Relu(x), v => System.Math.Max(v, 0)),
        ["NnRelu"] = (Tf.Nn.Relu, v => System.Math.Max(v, 0)),
        ["NnTanh"] = (Tf.Nn.Tanh, System.Math.Tanh),
        ["NnSigmoid"] = (Tf.Nn.Sigmoid, v => 1 / (1 + System.Math.Exp(-v))),
        ["Exp"] = (x => Tf.Exp(x), System.Math.Exp),
        ["Log"] = (x => Tf.Log(x), System.Math.Log),
        ["Sqrt"] = (x => Tf.Sqrt(x), System.Math.Sqrt),
        ["Rsqrt"] = (x => Tf.Rsqrt(x), v => 1 / System.Math.Sqrt(v)),
        ["Square"] = (x => Tf.Square(x), v => v * v),
        ["Abs"] = (x => Tf.Abs(x), System.Math.Abs),
        ["Sign"] = (x => Tf.Sign(x), v => System.Math.Sign(v)),
        ["Reciprocal"] = (x => Tf.Reciprocal(x), v => 1 / v),
    };

    public static TheoryData<string, DType, int> Cases()
    {
        var d = new TheoryData<string, DType, int>();
        foreach (var op in Ops.Keys)
        {
            foreach (var dt in new[] { DType.Float32, DType.Float64 })
            {
                foreach (int n in new[] { 0, 1, 7, 33 }) d.Add(op, dt, n);
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unary_Floats_MatchScalarReference(string op, DType dtype, int n)
    {
        bool positive = op is "Log" or "Sqrt" or "Rsqrt";
        var values = TestUtil.RandomDoubles(n, n + 3, positive ? 0.1 : -3, 3);
        if (n > 0 && !positive) values[0] = 0;
        var input = Arr(dtype, values, n);
        var (f, reference) = Ops[op];
        var r = TestUtil.Eval(() => f(Tf.Constant(input)));
        Assert.Equal(dtype, r.DType);
        var expected = Values(input).Select(reference).ToArray();
        TestUtil.AssertClose(expected, r, shape: new Shape(n));
    }

    [Fact]
    public void Unary_ScalarAndMatrix_KeepShape()
    {
        var s = TestUtil.Eval(() => Tf.Tanh(Tf.Constant(0.5)));
        Assert.Equal(Shape.Scalar, s.Shape);
        TestUtil.AssertClose(new[] { System.Math.Tanh(0.5) }, s);
        var m = TestUtil.Eval(() => Tf.Exp(Tf.Constant(new float[,] { { 0, 1 }, { 2, 3 } })));
        TestUtil.AssertClose(new[] { 1, System.Math.E, System.Math.Exp(2), System.Math.Exp(3) }, m, shape: new Shape(2, 2));
    }

    [Theory]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void Unary_Integers_NegAbsSignSquareRelu(DType dtype)
    {
        var x = Arr(dtype, new double[] { -3, 0, 5 }, 3);
        Assert.Equal(new double[] { 3, 0, -5 }, Values(TestUtil.Eval(() => Tf.Negative(Tf.Constant(x)))));
        Assert.Equal(new double[] { 3, 0, 5 }, Values(TestUtil.Eval(() => Tf.Abs(Tf.Constant(x)))));
        Assert.Equal(new double[] { -1, 0, 1 }, Values(TestUtil.Eval(() => Tf.Sign(Tf.Constant(x)))));
        Assert.Equal(new double[] { 9, 0, 25 }, Values(TestUtil.Eval(() => Tf.Square(Tf.Constant(x)))));
        var relu = TestUtil.Eval(() => Tf.Nn.Relu(Tf.Constant(x)));
        Assert.Equal(new double[] { 0, 0, 5 }, Values(relu));
        Assert.Equal(dtype, relu.DType);
    }

    [Fact]
    public void Sigmoid_IntegerInput_ThrowsNamingOpAndDType()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.Sigmoid(Tf.Constant(1)));
        Assert.Contains("Sigmoid", ex.Message);
        Assert.Contains("Int32", ex.Message);
        Assert.Throws<ArgumentException>(() => Tf.Negative(Tf.Constant(true)));
    }

    [Fact]
    public void NnActivations_AsDelegates_ConvertToFunc()
    {
        Func<Tensor, Tensor>[] acts = { Tf.Nn.Relu, Tf.Nn.Tanh, Tf.Nn.Sigmoid, Tf.Nn.Softmax };
        var r = TestUtil.Eval(() => acts[1](Tf.Constant(0.25)));
        TestUtil.AssertClose(new[] { System.Math.Tanh(0.25) }, r);
        var relu = TestUtil.Eval(() => acts[0](Tf.Constant(-0.25)));
        TestUtil.AssertClose(new[] { 0.0 }, relu);
    }

    [Fact]
    public void Unary_PartialShape_PreservedStatically()
    {
        using var _ = new Graph().AsDefault();
        var x = Tf.Placeholder(DType.Float32, new Shape(-1, 4));
        Assert.Equal(new Shape(-1, 4), Tf.Sigmoid(x).Shape);
        var relu = Tf.Nn.Relu(x, "my_relu");
        Assert.Equal(new Shape(-1, 4), relu.Shape);
        Assert.Equal("my_relu", relu.Op.Name);
        Assert.Equal("Relu", relu.Op.Type);
    }
}

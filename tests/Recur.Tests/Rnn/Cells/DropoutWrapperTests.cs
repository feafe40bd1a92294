using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>DropoutWrapper and Tf.Nn.Dropout: identity at keep 1, validation, mask statistics, variational masks, seeds, filters.</summary>
public class DropoutWrapperTests
{
    /// <summary>A cell whose output (and new state) is all ones whatever the input: BasicRnnCell, identity activation, kernel 0, bias 1.</summary>
    private static BasicRnnCell OnesCell(int n) => new(n, activation: t => t);

    private static void LoadOnes(Graph g, Session s, int depth, int n, DType dtype)
    {
        foreach (var v in g.Variables)
            v.Load(v.Name.EndsWith("bias", StringComparison.Ordinal) ? Full(dtype, 1.0, n) : Full(dtype, 0.0, depth + n, n), s);
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_KeepOne_IsIdentityWithNoExtraOps(DType dtype)
    {
        var x = Data(dtype, 2 * 3, 61);
        var g = new Graph();
        using (g.AsDefault())
        {
            var input = Tf.Constant(Arr(dtype, x, 2, 3));
            var cell = new LstmCell(4);
            var state = cell.ZeroState(2, dtype);
            var (o1, s1) = cell.Call(input, state);
            int opsBefore = g.Operations.Count;
            var wrapped = new DropoutWrapper(cell, 1.0, 1.0, 1.0, seed: 3);
            var (o2, s2) = wrapped.Call(input, state);
            Assert.DoesNotContain(g.Operations.Skip(opsBefore), op => op.Type is "RandomUniformLike" or "RandomUniform");
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { o1, s1.Flatten()[0], s1.Flatten()[1], o2, s2.Flatten()[0], s2.Flatten()[1] });
            for (int i = 0; i < 3; i++) TestUtil.AssertClose(r[i], r[i + 3], 0);
        }
    }

    [Theory]
    [InlineData(-0.1, 1.0, 1.0, "inputKeepProb")]
    [InlineData(1.0, 1.5, 1.0, "outputKeepProb")]
    [InlineData(1.0, 1.0, -1e-9, "stateKeepProb")]
    [InlineData(double.NaN, 1.0, 1.0, "inputKeepProb")]
    public void DropoutWrapper_KeepProbOutsideZeroOne_Throws(double input, double output, double state, string param)
    {
        var ex = Assert.Throws<ArgumentException>(() => new DropoutWrapper(new GruCell(2), input, output, state));
        Assert.Contains($"Parameter {param} must be between 0 and 1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(param, ex.ParamName);
    }

    [Fact]
    public void DropoutWrapper_ConstantTensorKeepOutsideZeroOne_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ex = Assert.Throws<ArgumentException>(() =>
                new DropoutWrapper(new GruCell(2), Tf.Constant(1.0), Tf.Constant(2.0), Tf.Constant(1.0)));
            Assert.Contains("Parameter outputKeepProb must be between 0 and 1: 2", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DropoutWrapper_VariationalWithoutDtype_ThrowsTfMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DropoutWrapper(new GruCell(2), outputKeepProb: 0.5, variationalRecurrent: true));
        Assert.Contains("When variational_recurrent=True, dtype must be provided", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DropoutWrapper_VariationalInputDropoutWithoutInputSize_ThrowsTfMessage()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ex = Assert.Throws<ArgumentException>(() =>
                new DropoutWrapper(new GruCell(2), inputKeepProb: 0.5, variationalRecurrent: true, dtype: DType.Float32));
            Assert.Contains("When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, input_size must be provided", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DropoutWrapper_Properties_DelegateToWrappedCell()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var inner = new BasicRnnCell(10);
            var w = new DropoutWrapper(inner, outputKeepProb: 0.5);
            Assert.Same(inner, w.WrappedCell);
            Assert.Equal(10, w.StateSize.Units);
            Assert.Equal(10, w.OutputSize.Units);
            var lstm = new DropoutWrapper(new LstmCell(3, numProj: 2));
            Assert.Equal("LSTMStateTuple(c=3, h=2)", lstm.StateSize.ToString());
            var z = (LstmStateTuple)lstm.ZeroState(5, DType.Float32);
            Assert.Equal(new Shape(5, 3), z.C.Shape);
            Assert.Equal(new Shape(5, 2), z.H.Shape);
            Assert.Equal(0.5, w.OutputKeepProb);
            Assert.Equal(1.0, w.InputKeepProb);
        }
    }

    [Fact]
    public void DropoutWrapper_WrappedVariables_KeepTheCellsNames()
    {
        var g = new Graph();
        using (g.AsDefault())
        using (Tf.VariableScope("rnn"))
        {
            var w = new DropoutWrapper(new LstmCell(3), outputKeepProb: 0.5);
            var x = Tf.Placeholder(DType.Float32, new Shape(1, 2));
            w.Call(x, w.ZeroState(1, DType.Float32));
            Assert.Equal(new[] { "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias" }, g.Variables.Select(v => v.Name));
            Assert.Equal(2, w.Variables.Count);
            Assert.True(w.Built);
        }
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void TfNnDropout_ManyElements_KeepsExpectedFractionScaledByInverseKeep(DType dtype)
    {
        const double keep = 0.3;
        var r = TestUtil.Eval(() => Tf.Nn.Dropout(Tf.Constant(Full(dtype, 1.0, 200, 500)), keep, seed: 5));
        var v = Values(r);
        double scaled = dtype == DType.Float32 ? (double)(1f / (float)keep) : 1.0 / keep;
        int kept = 0;
        foreach (var e in v)
        {
            if (e == 0) continue;
            Assert.Equal(scaled, e, 6);
            kept++;
        }
        double fraction = kept / (double)v.Length;
        Assert.InRange(fraction, keep - 0.01, keep + 0.01);   // σ ≈ 0.0015 for 100,000 elements
    }

    [Fact]
    public void TfNnDropout_KeepOne_ReturnsInputTensor()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 2));
            Assert.Same(x, Tf.Nn.Dropout(x, 1.0));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.01)]
    [InlineData(-0.5)]
    public void TfNnDropout_KeepOutsideZeroExclusiveOneInclusive_Throws(double keep)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 2));
            var ex = Assert.Throws<ArgumentException>(() => Tf.Nn.Dropout(x, keep));
            Assert.Contains("keep_prob must be a scalar tensor or a float in the range (0, 1]", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TfNnDropout_IntInput_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ex = Assert.Throws<ArgumentException>(() => Tf.Nn.Dropout(Tf.Placeholder(DType.Int32, new Shape(2)), 0.5));
            Assert.Contains("Float32 or Float64", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TfNnDropout_PlaceholderKeep_AppliesFedValue()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var keep = Tf.Placeholder(DType.Float64, Shape.Scalar);
            var y = Tf.Nn.Dropout(Tf.Constant(Full(DType.Float64, 1.0, 100, 100)), keep, seed: 2);
            using var s = new Session(g);
            Assert.All(Values(s.Run(y, new FeedDict { [keep] = NDArray.Scalar(1.0) })), v => Assert.Equal(1.0, v));
            var half = Values(s.Run(y, new FeedDict { [keep] = NDArray.Scalar(0.5) }));
            Assert.All(half, v => Assert.True(v == 0 || v == 2.0));
            Assert.InRange(half.Count(v => v != 0) / 10000.0, 0.45, 0.55);
        }
    }

    [Fact]
    public void DropoutWrapper_SameSeedInTwoGraphs_GivesSameMasksDifferentSeedDiffers()
    {
        NDArray RunWithSeed(int seed)
        {
            var g = new Graph();
            using (g.AsDefault())
            {
                var w = new DropoutWrapper(OnesCell(64), inputKeepProb: 0.5, outputKeepProb: 0.5, seed: seed);
                var x = Tf.Constant(Full(DType.Float64, 1.0, 4, 3));
                var (o, _) = w.Call(x, w.ZeroState(4, DType.Float64));
                using var s = new Session(g);
                s.Run(Tf.GlobalVariablesInitializer());
                LoadOnes(g, s, 3, 64, DType.Float64);
                return s.Run(o);
            }
        }
        var a = RunWithSeed(7);
        var b = RunWithSeed(7);
        var c = RunWithSeed(8);
        TestUtil.AssertClose(a, b, 0);
        Assert.NotEqual(Values(a), Values(c));
        Assert.All(Values(a), v => Assert.True(v == 0 || v == 2.0));
    }

    /// <summary>Two statically unrolled steps of a non-variational wrapper; returns the two runs' outputs per step.</summary>
    private static double[][][] TwoStepsTwoRuns(int? seed, int n)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new DropoutWrapper(OnesCell(n), outputKeepProb: 0.5, seed: seed);
            var x = Tf.Constant(Full(DType.Float64, 0.0, 2, 1));
            RnnState state = w.ZeroState(2, DType.Float64);
            var outs = new List<Tensor>();
            for (int t = 0; t < 2; t++)
            {
                (var o, state) = w.Call(x, state);
                outs.Add(o);
            }
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            LoadOnes(g, s, 1, n, DType.Float64);
            return new[] { s.Run(outs).Select(Values).ToArray(), s.Run(outs).Select(Values).ToArray() };
        }
    }

    [Fact]
    public void DropoutWrapper_NotVariationalUnseeded_MasksDifferAcrossStepsRowsAndRuns()
    {
        const int n = 64;
        var r = TwoStepsTwoRuns(null, n);
        Assert.NotEqual(r[0][0], r[0][1]);
        Assert.NotEqual(r[0][0][..n], r[0][0][n..]);
        Assert.NotEqual(r[0][0], r[1][0]);
    }

    [Fact]
    public void DropoutWrapper_NotVariationalSeededStaticSteps_ShareOpSeedLikeTf()
    {
        // As in TF, every step's dropout op gets the same op seed (_gen_seed("output", 0)), so statically unrolled steps
        // draw the same stream; rows still differ, and every Session.Run advances the stream.
        const int n = 64;
        var r = TwoStepsTwoRuns(5, n);
        Assert.Equal(r[0][0], r[0][1]);
        Assert.NotEqual(r[0][0][..n], r[0][0][n..]);
        Assert.NotEqual(r[0][0], r[1][0]);
        Assert.Equal(r[0][0], TwoStepsTwoRuns(5, n)[0][0]);
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_Variational_SameMaskForEveryStepAndRowWithinOneRun(DType dtype)
    {
        const int n = 64, batch = 3, steps = 4;
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new DropoutWrapper(OnesCell(n), inputKeepProb: 0.5, outputKeepProb: 0.5, stateKeepProb: 0.5,
                variationalRecurrent: true, inputSize: 2, dtype: dtype, seed: 4);
            var x = Tf.Constant(Full(dtype, 1.0, batch, 2));
            RnnState state = w.ZeroState(batch, dtype);
            var outs = new List<Tensor>();
            var states = new List<Tensor>();
            for (int t = 0; t < steps; t++)
            {
                (var o, state) = w.Call(x, state);
                outs.Add(o);
                states.Add(state.Tensor);
            }
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            LoadOnes(g, s, 2, n, dtype);
            var run1 = s.Run(outs.Concat(states).ToList()).Select(Values).ToArray();
            var first = run1[0][..n];
            Assert.All(first, v => Assert.True(v == 0 || Math.Abs(v - 2.0) < 1e-6));
            Assert.Contains(first, v => v == 0);
            Assert.Contains(first, v => v != 0);
            for (int t = 0; t < steps; t++)
            {
                for (int b = 0; b < batch; b++)
                    Assert.Equal(first, run1[t][(b * n)..((b + 1) * n)]);
            }
            // The state mask is its own mask, also constant over steps and rows.
            var stateMask = run1[steps][..n];
            for (int t = 0; t < steps; t++)
            {
                for (int b = 0; b < batch; b++)
                    Assert.Equal(stateMask, run1[steps + t][(b * n)..((b + 1) * n)]);
            }
            Assert.NotEqual(first, stateMask);
            // A new Session.Run draws new masks.
            var run2 = Values(s.Run(outs[0]));
            Assert.NotEqual(first, run2[..n]);
        }
    }

    [Fact]
    public void DropoutWrapper_VariationalInputMask_IsSharedAcrossStepsAndRows()
    {
        // BasicRnnCell with identity activation, kernel = [I; 0], bias 0: output = dropped input.
        const int d = 32, batch = 2;
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new DropoutWrapper(new BasicRnnCell(d, activation: t => t), inputKeepProb: 0.5, variationalRecurrent: true,
                inputSize: d, dtype: DType.Float64, seed: 9);
            var x = Tf.Constant(Full(DType.Float64, 1.0, batch, d));
            RnnState state = w.ZeroState(batch, DType.Float64);
            var outs = new List<Tensor>();
            for (int t = 0; t < 3; t++)
            {
                (var o, state) = w.Call(x, Tf.ZerosLike(state.Tensor));
                outs.Add(o);
            }
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var kernel = new double[2 * d * d];
            for (int i = 0; i < d; i++) kernel[i * d + i] = 1;
            w.WrappedCell.Variables[0].Load(new NDArray(kernel, new Shape(2 * d, d)), s);
            var r = s.Run(outs).Select(Values).ToArray();
            var mask = r[0][..d];
            Assert.All(mask, v => Assert.True(v == 0 || v == 2.0));
            foreach (var step in r)
            {
                for (int b = 0; b < batch; b++) Assert.Equal(mask, step[(b * d)..((b + 1) * d)]);
            }
        }
    }

    [Fact]
    public void DropoutWrapper_StateFilterNone_LeavesStateUntouched()
    {
        var (c, h, cFull, hFull) = RunLstmStateDropout(_ => DropoutFilter.None);
        TestUtil.AssertClose(cFull, c, 0);
        TestUtil.AssertClose(hFull, h, 0);
    }

    [Fact]
    public void DropoutWrapper_DefaultStateFilter_DropsHButNeverC()
    {
        var (c, h, cFull, hFull) = RunLstmStateDropout(null);
        TestUtil.AssertClose(cFull, c, 0);
        Assert.All(Values(h).Zip(Values(hFull)), p => Assert.True(p.First == 0 || Math.Abs(p.First - 2 * p.Second) < 1e-12));
        Assert.Contains(Values(h), v => v == 0);
    }

    [Fact]
    public void DropoutWrapper_PerChildFilter_DropsOnlySelectedLeaf()
    {
        var (c, h, cFull, hFull) = RunLstmStateDropout(s => s is LstmStateTuple ? DropoutFilter.PerChild(true, false) : true);
        TestUtil.AssertClose(hFull, h, 0);
        Assert.All(Values(c).Zip(Values(cFull)), p => Assert.True(p.First == 0 || Math.Abs(p.First - 2 * p.Second) < 1e-12));
        Assert.Contains(Values(c), v => v == 0);
    }

    [Fact]
    public void DropoutWrapper_FilterReturningFlagsForTensor_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new DropoutWrapper(new GruCell(2), stateKeepProb: 0.5, dropoutStateFilter: _ => DropoutFilter.PerChild(true));
            var x = Tf.Placeholder(DType.Float32, new Shape(1, 2));
            var ex = Assert.Throws<ArgumentException>(() => w.Call(x, w.ZeroState(1, DType.Float32)));
            Assert.Contains("must return true or false", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DropoutFilter_Values_DescribeTheThreeForms()
    {
        Assert.Equal(true, DropoutFilter.All.Value);
        Assert.Equal(false, DropoutFilter.None.Value);
        Assert.Null(DropoutFilter.PerChild(false, true).Value);
        Assert.Equal(new[] { false, true }, DropoutFilter.PerChild(false, true).Children);
        Assert.Equal(DropoutFilter.All, (DropoutFilter)true);
        Assert.Equal(DropoutFilter.All, default);
        Assert.Equal(DropoutFilter.PerChild(false, true), DropoutWrapper.DefaultStateFilter(new LstmStateTuple(Tf.Constant(1.0), Tf.Constant(1.0))));
    }

    [Fact]
    public void DropoutWrapper_GenSeed_FollowsTfRecipe()
    {
        // int(md5(b"0input_0").hexdigest()[:8], 16) & 0x7FFFFFFF, computed independently here.
        static int Expected(string s)
        {
#pragma warning disable CA5351
            var h = System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(s));
#pragma warning restore CA5351
            return (int)(Convert.ToUInt32(Convert.ToHexString(h)[..8], 16) & 0x7FFFFFFF);
        }
        var method = typeof(DropoutWrapper).GetMethod("GenSeed", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        Assert.Equal(Expected("0input_0"), (int?)method.Invoke(null, new object?[] { 0, "input", 0 }));
        Assert.Equal(Expected("42state_3"), (int?)method.Invoke(null, new object?[] { 42, "state", 3 }));
        Assert.Null(method.Invoke(null, new object?[] { null, "output", 0 }));
    }

    /// <summary>LSTM with state keep 0.5 (a seeded run) vs the same cell without dropout; returns (c, h, c_full, h_full).</summary>
    private static (NDArray C, NDArray H, NDArray CFull, NDArray HFull) RunLstmStateDropout(Func<RnnState, DropoutFilter>? filter)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = new LstmCell(32, initializer: Initializers.RandomUniform(-0.5, 0.5, seed: 3));
            var x = Tf.Constant(Arr(DType.Float64, TestUtil.RandomDoubles(2 * 4, 8), 2, 4));
            var state0 = new LstmStateTuple(Tf.Constant(Full(DType.Float64, 0.3, 2, 32)), Tf.Constant(Full(DType.Float64, -0.2, 2, 32)));
            var (_, full) = cell.Call(x, state0);
            var w = new DropoutWrapper(cell, stateKeepProb: 0.5, seed: 12, dropoutStateFilter: filter);
            var (_, dropped) = w.Call(x, state0);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { ((LstmStateTuple)dropped).C, ((LstmStateTuple)dropped).H, ((LstmStateTuple)full).C, ((LstmStateTuple)full).H });
            return (r[0], r[1], r[2], r[3]);
        }
    }
}

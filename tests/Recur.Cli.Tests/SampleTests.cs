using Recur.Samples;

namespace Recur.Cli.Tests;

public sealed class SampleTests
{
    [Fact]
    public void BlogLstmSequenceLength_Run_OutputsMatchAPlainLstmWithLengths()
    {
        var result = BlogLstmSequenceLength.Run(TextWriter.Null);

        Assert.All(result.Checks, c => Assert.True(c.Passed, c.Description));
        var outputs = result.Values["outputs"];
        Assert.Equal(new Shape(2, 10, 64), outputs.Shape);
        Assert.Equal(DType.Float64, outputs.DType);
        var (refOut, refC, refH) = Reference.Lstm(result.Values["X"].Flat(), 2, 10, 8,
            result.Values["rnn/lstm_cell/kernel"].Flat(), result.Values["rnn/lstm_cell/bias"].Flat(), 64, [10, 6]);
        Assert.True(Reference.MaxAbsDiff(outputs.Flat(), refOut.Flat()) < 1e-12);
        Assert.True(Reference.MaxAbsDiff(result.Values["last_states.c"].Flat(), refC.Flat()) < 1e-12);
        Assert.True(Reference.MaxAbsDiff(result.Values["last_states.h"].Flat(), refH.Flat()) < 1e-12);
        // Rows past length 6 of the second example are exactly zero; the first example's last step is not.
        var flat = outputs.Flat();
        Assert.All(Enumerable.Range(0, 4 * 64), k => Assert.Equal(0.0, flat[(10 + 6) * 64 + k]));
        Assert.Contains(Enumerable.Range(0, 64), k => flat[9 * 64 + k] != 0);
    }

    [Fact]
    public void BlogLstmSequenceLength_Run_PrintsTheStateTupleLikePython()
    {
        var printed = new StringWriter();
        BlogLstmSequenceLength.Run(printed);

        string text = printed.ToString();
        Assert.Contains("LSTMStateTuple(c=array([[", text, StringComparison.Ordinal);
        Assert.Contains("]]), h=array([[", text, StringComparison.Ordinal);
        // numpy wraps rows at 75 columns: the zero rows past length 6 print as two lines.
        Assert.Contains("[ 0.          0.          0.         ...  0.          0.\n    0.        ]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void BookBasicRnn_Run_ThreeWaysAgreeWithTheBooksFormula()
    {
        var result = BookBasicRnn.Run(TextWriter.Null);

        Assert.All(result.Checks, c => Assert.True(c.Passed, c.Description));
        double[] wx = result.Values["Wx"].Flat(), wy = result.Values["Wy"].Flat(), b = result.Values["b"].Flat();
        var x0 = new double[,] { { 0, 1, 2 }, { 3, 4, 5 }, { 6, 7, 8 }, { 9, 0, 1 } };
        var x1 = new double[,] { { 9, 8, 7 }, { 0, 0, 0 }, { 6, 5, 4 }, { 3, 2, 1 } };
        var y0 = Reference.BasicRnnStep(x0, null, wx, wy, b, 5);
        var y1 = Reference.BasicRnnStep(x1, y0, wx, wy, b, 5);
        var expected = new double[4 * 2 * 5];
        for (int n = 0; n < 4; n++)
            for (int u = 0; u < 5; u++)
            {
                expected[(n * 2) * 5 + u] = y0[n, u];
                expected[(n * 2 + 1) * 5 + u] = y1[n, u];
            }
        foreach (var name in (string[])["manual", "static", "dynamic"])
            Assert.True(Reference.MaxAbsDiff(result.Values[name].Flat(), expected) < 1e-5, name);
        // dynamic_rnn runs the fused RNN op: equal to the static unroll to float32 rounding.
        Assert.True(Reference.MaxAbsDiff(result.Values["static"].Flat(), result.Values["dynamic"].Flat()) < 1e-5);
    }

    [Fact]
    public void BookBasicRnn_Run_SequenceLengthZeroesTheSecondOutputOfInstanceTwo()
    {
        var result = BookBasicRnn.Run(TextWriter.Null);

        var outputs = result.Values["seq_length.outputs"].Flat();   // (4, 2, 5)
        var states = result.Values["seq_length.states"].Flat();     // (4, 5)
        var dynamic = result.Values["dynamic"].Flat();
        for (int u = 0; u < 5; u++)
        {
            Assert.Equal(0.0, outputs[(1 * 2 + 1) * 5 + u]);
            Assert.Equal(outputs[(1 * 2) * 5 + u], states[5 + u]);
            Assert.Equal(dynamic[(0 * 2 + 1) * 5 + u], states[u]);    // full-length rows end at their second output
            Assert.Equal(dynamic[(3 * 2 + 1) * 5 + u], states[15 + u]);
        }
    }

    [Fact]
    public void MultiLayerLstm_Run_TwoLayerStateAndVariableNamesAsInTf()
    {
        var result = MultiLayerLstm.Run(TextWriter.Null);

        Assert.All(result.Checks, c => Assert.True(c.Passed, c.Description));
        Assert.Equal(new Shape(4, 20, 256), result.Values["outputs"].Shape);
        Assert.Equal(new Shape(4, 128), result.Values["state[0].c"].Shape);
        Assert.Equal(new Shape(4, 128), result.Values["state[0].h"].Shape);
        Assert.Equal(new Shape(4, 256), result.Values["state[1].c"].Shape);
        Assert.Equal(new Shape(4, 256), result.Values["state[1].h"].Shape);
        // |h| = |σ(o)·tanh(c)| < 1, and the layers are not all zeros.
        Assert.All(result.Values["state[1].h"].Flat(), v => Assert.True(Math.Abs(v) < 1));
        Assert.Contains(result.Values["state[0].h"].Flat(), v => v != 0);
    }

    [Fact]
    public void LstmClassifier_Run_ProbabilitiesAreSoftmaxOfTheLastRelevantOutput()
    {
        var result = LstmClassifier.Run(TextWriter.Null);

        Assert.All(result.Checks, c => Assert.True(c.Passed, c.Description));
        var probs = result.Values["probabilities"].Flat();
        var last = result.Values["last"].Flat();
        var w = result.Values["dense/kernel"].Flat();   // (32, 3); the bias is zeros
        Assert.Equal(result.Values["state.h"].Flat(), last);
        for (int n = 0; n < 5; n++)
        {
            var logits = new double[3];
            for (int k = 0; k < 3; k++)
                for (int d = 0; d < 32; d++) logits[k] += last[n * 32 + d] * w[d * 3 + k];
            double max = logits.Max();
            double sum = logits.Sum(l => Math.Exp(l - max));
            for (int k = 0; k < 3; k++) Assert.Equal(Math.Exp(logits[k] - max) / sum, probs[n * 3 + k], 1e-6);
        }
    }

    [Fact]
    public void SampleResult_Check_FailedCheckThrowsAfterRecordingIt()
    {
        var printed = new StringWriter();
        var result = new SampleResult("S", printed);

        var e = Assert.Throws<SampleCheckException>(() => result.Check("x == y", false, "max abs diff 1"));

        Assert.Equal("S: check failed: x == y (max abs diff 1).", e.Message);
        Assert.False(Assert.Single(result.Checks).Passed);
        Assert.Contains("FAILED", printed.ToString(), StringComparison.Ordinal);
    }
}

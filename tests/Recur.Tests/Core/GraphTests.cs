namespace Recur.Tests.Core;

public class GraphTests
{
    [Fact]
    public void AddOperation_RepeatedNames_AreUniquifiedLikeTf()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Constant(1f);
            var b = Tf.Constant(2f);
            var c = Tf.Constant(3f, name: "Const");
            Assert.Equal("Const:0", a.Name);
            Assert.Equal("Const_1:0", b.Name);
            Assert.Equal("Const_2:0", c.Name);
            using (Tf.NameScope("outer"))
            {
                Assert.Equal("outer/Const:0", Tf.Constant(1f).Name);
                using (Tf.NameScope("inner"))
                    Assert.Equal("outer/inner/x:0", Tf.Placeholder(DType.Float32, name: "x").Name);
            }
            using (Tf.NameScope("outer"))
                Assert.Equal("outer_1/Const:0", Tf.Constant(1f).Name);
        }
    }

    [Fact]
    public void Default_AsDefault_RestoresPrevious()
    {
        var g1 = new Graph();
        var g2 = new Graph();
        using (g1.AsDefault())
        {
            Assert.Same(g1, Graph.Default);
            using (g2.AsDefault()) Assert.Same(g2, Graph.Default);
            Assert.Same(g1, Graph.Default);
        }
    }

    [Fact]
    public void GetVariable_UnderVariableScopes_UsesTfNames()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("root"))
            using (Tf.VariableScope("basic_lstm_cell"))
            {
                var k = Tf.GetVariable("kernel", new Shape(5, 8));
                Assert.Equal("root/basic_lstm_cell/kernel", k.Name);
                Assert.Equal("root/basic_lstm_cell/kernel:0", k.Value.Name);
            }
            Assert.Same(g.GetVariable("root/basic_lstm_cell/kernel"), g.GetVariable("root/basic_lstm_cell/kernel:0"));
            Assert.Single(g.Variables);
            Assert.Single(g.TrainableVariables);
        }
    }

    [Fact]
    public void GetVariable_ExistingWithoutReuse_ThrowsLikeTf()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("rnn")) Tf.GetVariable("w", new Shape(2));
            using (Tf.VariableScope("rnn"))
            {
                var e = Assert.Throws<ArgumentException>(() => Tf.GetVariable("w", new Shape(2)));
                Assert.Contains("Variable rnn/w already exists, disallowed", e.Message);
            }
        }
    }

    [Fact]
    public void GetVariable_ReuseTrue_ReturnsExistingAndRejectsMissing()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            Variable w;
            using (Tf.VariableScope("rnn")) w = Tf.GetVariable("w", new Shape(2));
            using (Tf.VariableScope("rnn", reuse: true))
            {
                Assert.Same(w, Tf.GetVariable("w", new Shape(2)));
                var e = Assert.Throws<ArgumentException>(() => Tf.GetVariable("v", new Shape(2)));
                Assert.Contains("Variable rnn/v does not exist", e.Message);
                var s = Assert.Throws<ArgumentException>(() => Tf.GetVariable("w", new Shape(3)));
                Assert.Contains("(3,)", s.Message);
                Assert.Contains("(2,)", s.Message);
            }
            using (Tf.VariableScope("rnn", null, VariableReuse.AutoReuse))
            {
                Assert.Same(w, Tf.GetVariable("w", new Shape(2)));
                Assert.Equal("rnn/v", Tf.GetVariable("v", new Shape(2)).Name);
            }
        }
    }

    [Fact]
    public void GetVariable_ReuseIsInheritedByNestedScopes()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("a")) using (Tf.VariableScope("b")) Tf.GetVariable("w", new Shape(1));
            using (Tf.VariableScope("a", reuse: true))
            using (Tf.VariableScope("b"))
                Assert.Equal("a/b/w", Tf.GetVariable("w", new Shape(1)).Name);
        }
    }

    [Fact]
    public void GetVariable_Missing_NamesCloseMatches()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("rnn")) using (Tf.VariableScope("lstm_cell")) Tf.GetVariable("kernel", new Shape(2, 2));
        }
        var e = Assert.Throws<KeyNotFoundException>(() => g.GetVariable("rnn/lstm_cel/kernel"));
        Assert.Contains("rnn/lstm_cell/kernel", e.Message);
    }

    [Fact]
    public void VariableScope_DefaultInitializer_AppliesToNewVariables()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            Variable v;
            using (Tf.VariableScope("s", initializer: Initializers.Constant(0.5))) v = Tf.GetVariable("v", new Shape(2, 2));
            using var sess = new Session(g);
            sess.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(new float[] { 0.5f, 0.5f, 0.5f, 0.5f }, sess.Run(v).ToArray<float>());
        }
    }

    [Fact]
    public void Initializers_Seeded_AreReproducibleAcrossSessionsAndGraphs()
    {
        float[] Make()
        {
            var g = new Graph();
            using (g.AsDefault())
            {
                var v = Tf.GetVariable("w", new Shape(4, 5), initializer: Initializers.GlorotUniform(seed: 7));
                using var s = new Session(g);
                s.Run(Tf.GlobalVariablesInitializer());
                return s.Run(v).ToArray<float>();
            }
        }
        var a = Make();
        var b = Make();
        Assert.Equal(a, b);
        double limit = Math.Sqrt(6.0 / 9.0);
        Assert.All(a, x => Assert.InRange(x, -limit, limit));
        Assert.True(a.Distinct().Count() > 15);
    }

    [Fact]
    public void Initializers_RandomNormalAndTruncated_HaveRequestedMoments()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var n = Tf.GetVariable("n", new Shape(20000), DType.Float64, Initializers.RandomNormal(1.0, 2.0, seed: 3));
            var t = Tf.GetVariable("t", new Shape(20000), DType.Float64, Initializers.TruncatedNormal(0.0, 1.0, seed: 3));
            var u = Tf.GetVariable("u", new Shape(20000), DType.Float64, Initializers.RandomUniform(-3, 5, seed: 3));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var nv = s.Run(n).ToArray<double>();
            Assert.InRange(nv.Average(), 0.95, 1.05);
            Assert.InRange(Math.Sqrt(nv.Select(x => (x - 1) * (x - 1)).Average()), 1.95, 2.05);
            var tv = s.Run(t).ToArray<double>();
            Assert.All(tv, x => Assert.InRange(x, -2.0, 2.0));
            var uv = s.Run(u).ToArray<double>();
            Assert.All(uv, x => Assert.InRange(x, -3.0, 5.0));
            Assert.InRange(uv.Average(), 0.9, 1.1);
        }
    }

    [Fact]
    public void Initializers_Orthogonal_GivesOrthonormalColumns()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var v = Tf.GetVariable("q", new Shape(6, 4), DType.Float64, Initializers.Orthogonal(2.0, seed: 1));
            var w = Tf.GetVariable("w", new Shape(3, 5), DType.Float64, Initializers.Orthogonal(1.0, seed: 1));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var q = s.Run(v).ToArray<double>();
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                {
                    double dot = 0;
                    for (int r = 0; r < 6; r++) dot += q[r * 4 + i] * q[r * 4 + j];
                    Assert.Equal(i == j ? 4.0 : 0.0, dot, 10);
                }
            var m = s.Run(w).ToArray<double>();   // rows < cols: orthonormal rows
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < 5; c++) dot += m[i * 5 + c] * m[j * 5 + c];
                    Assert.Equal(i == j ? 1.0 : 0.0, dot, 10);
                }
        }
    }

    [Fact]
    public void Initializers_ConstantArray_ReshapesToVariable()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var v = Tf.GetVariable("w", new Shape(2, 2), DType.Float64, Initializers.Constant(new NDArray(1.0, 2.0, 3.0, 4.0)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(new double[] { 1, 2, 3, 4 }, s.Run(v).ToArray<double>());
        }
    }

    [Fact]
    public void Initializers_ConstantArrayWrongSize_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => Tf.GetVariable("w", new Shape(3), DType.Float64, Initializers.Constant(new NDArray(1.0, 2.0))));
            Assert.Contains("2 elements", e.Message);
        }
    }

    [Fact]
    public void Tensor_FromAnotherGraph_IsRejected()
    {
        var g1 = new Graph();
        Tensor x;
        using (g1.AsDefault()) x = Tf.Placeholder(DType.Float32);
        var g2 = new Graph();
        using (g2.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => Tf.Identity(x));
            Assert.Contains("different graph", e.Message);
        }
    }

    [Fact]
    public void GetTensorByName_FindsOutputs()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, name: "x");
            Assert.Same(x, g.GetTensorByName("x:0"));
            Assert.Throws<KeyNotFoundException>(() => g.GetTensorByName("x:1"));
            Assert.Throws<KeyNotFoundException>(() => g.GetOperationByName("nope"));
        }
    }
}

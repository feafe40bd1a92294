using System.Globalization;

namespace Recur
{
    /// <summary>
    /// Dropout (TF: <c>tf.nn.dropout</c>): the seeded uniform noise op whose shape is known only at run time
    /// (<c>RandomUniformLike</c>), and the masks built from it.
    /// </summary>
    internal static class DropoutOps
    {
        /// <summary>
        /// U[0, 1) noise of <paramref name="like"/>'s run-time shape and dtype (TF: <c>random_uniform(shape(like))</c>).
        /// Stateful: a fresh draw on every execution (every time step inside a loop, every <c>Session.Run</c>).
        /// </summary>
        public static Tensor RandomUniformLike(Tensor like, int? seed, string? name = null)
        {
            ArgumentNullException.ThrowIfNull(like);
            if (!like.DType.IsFloating())
                throw new ArgumentException($"RandomUniformLike: dtype must be Float32 or Float64, but got {like.DType}.", nameof(like));
            var g = Graph.Default;
            return g.AddOperation("RandomUniformLike", name ?? "random_uniform", new[] { like }, new[] { (like.DType, like.Shape) },
                new Dictionary<string, object?> { ["dtype"] = like.DType, ["seed"] = seed, ["graph_seed"] = g.Root.Seed }).Outputs[0];
        }

        [OpKernel("RandomUniformLike", Stateful = true)]
        private static void RandomUniformLikeKernel(OpContext ctx)
        {
            var shape = ctx.Input(0).Shape;
            var dtype = ctx.Attr<DType>("dtype");
            var r = ctx.Run.Session.RandomFor(ctx.Op, ctx.Attr<int?>("graph_seed"), ctx.Attr<int?>("seed"));
            var result = NDArray.Empty(shape, dtype);
            lock (r.SyncRoot)
            {
                if (dtype == DType.Float32)
                {
                    var d = result.Data<float>();
                    for (int i = 0; i < d.Length; i++)
                    {
                        // Rounding a double just below 1 to float can give 1f; keep the half-open interval [0, 1).
                        float v = (float)r.NextDouble();
                        d[i] = v < 1f ? v : 0.99999994f;
                    }
                }
                else
                {
                    var d = result.Data<double>();
                    for (int i = 0; i < d.Length; i++) d[i] = r.NextDouble();
                }
            }
            ctx.SetOutput(0, result);
        }

        /// <summary>The noise does not depend on the values of its input: no gradient flows through it.</summary>
        [OpGradient("RandomUniformLike")]
        private static Tensor?[] RandomUniformLikeGradient(Operation op, IReadOnlyList<Tensor?> dy) => new Tensor?[op.Inputs.Count];

        /// <summary>
        /// <c>x / keep ⊙ floor(keep + noise)</c>, computed as <c>x / keep ⊙ (keep + noise ≥ 1)</c> (equal for noise in
        /// [0, 1) and keep in [0, 1]); <paramref name="noise"/> broadcasts against <paramref name="x"/>.
        /// </summary>
        public static Tensor Apply(Tensor x, Tensor keep, Tensor noise)
        {
            var sum = keep + noise;
            var mask = Tf.Cast(Tf.GreaterEqual(sum, Tf.ScalarLike(sum, 1.0)), x.DType);
            return Tf.Divide(x, keep) * mask;
        }

        /// <summary>A keep probability as a tensor of <paramref name="x"/>'s dtype.</summary>
        public static Tensor KeepTensor(Tensor x, double? constKeep, Tensor? keepTensor)
        {
            if (constKeep is double k) return Tf.ScalarLike(x, k);
            return keepTensor!.DType == x.DType ? keepTensor : Tf.Cast(keepTensor, x.DType);
        }

        /// <summary>The value of a scalar constant (a <c>Const</c> op), if it is one (TF: <c>tensor_util.constant_value</c>).</summary>
        public static double? ConstantScalar(Tensor t)
        {
            if (t.Op.Type != "Const" || t.Shape.Rank != 0 || !t.DType.IsNumeric()) return null;
            return t.Op.GetAttr<NDArray>("value").GetDouble(0);
        }

        /// <summary>Non-variational dropout of one tensor with a static or tensor keep probability.</summary>
        public static Tensor Dropout(Tensor x, double? constKeep, Tensor? keepTensor, int? seed, string who)
        {
            if (constKeep is double k)
            {
                if (k == 1.0) return x;
                if (!(k > 0 && k <= 1))
                    throw new ArgumentException(
                        $"{who}: keep_prob must be a scalar tensor or a float in the range (0, 1], got {k.ToString(CultureInfo.InvariantCulture)}.");
            }
            var keep = KeepTensor(x, constKeep, keepTensor);
            return Apply(x, keep, RandomUniformLike(x, seed));
        }
    }
}

namespace Recur
{
    public static partial class Tf
    {
        public static partial class Nn
        {
            /// <summary>
            /// Dropout (TF1: <c>tf.compat.v1.nn.dropout(x, keep_prob, seed=seed)</c>): each element is kept with
            /// probability <paramref name="keepProb"/> and scaled by <c>1 / keepProb</c>, else set to 0:
            /// <c>y = x / keep ⊙ floor(keep + U[0, 1))</c>. A fresh mask on every execution (every time step in a loop,
            /// every <c>Session.Run</c>); seeded masks repeat across sessions. <c>keepProb = 1</c> returns
            /// <paramref name="x"/> itself.
            /// </summary>
            /// <param name="x">A Float32 or Float64 tensor of any shape.</param>
            /// <param name="keepProb">The probability of keeping each element, in (0, 1].</param>
            /// <param name="seed">Op-level seed (combined with <see cref="Graph.Seed"/>); null: not reproducible unless the graph has a seed.</param>
            /// <param name="name">Name scope of the ops; <c>dropout</c> when null.</param>
            /// <exception cref="ArgumentException">keepProb is not in (0, 1], or x is not floating point.</exception>
            /// <example><code>var h = Tf.Nn.Dropout(Tf.Nn.Relu(z), keepProb: 0.8, seed: 7);</code></example>
            public static Tensor Dropout(Tensor x, double keepProb, int? seed = null, string? name = null)
            {
                ArgumentNullException.ThrowIfNull(x);
                RequireFloatingForDropout(x);
                using (Tf.NameScope(name ?? "dropout"))
                    return DropoutOps.Dropout(x, keepProb, null, seed, "Tf.Nn.Dropout");
            }

            /// <summary>
            /// Dropout with a keep probability computed at run time (TF1: <c>tf.nn.dropout(x, keep_prob_tensor)</c>),
            /// e.g. a placeholder fed 1.0 at evaluation and 0.5 in training. A scalar constant is treated like a number.
            /// </summary>
            /// <param name="x">A Float32 or Float64 tensor of any shape.</param>
            /// <param name="keepProb">A scalar tensor, in (0, 1] at run time.</param>
            /// <param name="seed">Op-level seed.</param>
            /// <param name="name">Name scope of the ops; <c>dropout</c> when null.</param>
            /// <exception cref="ArgumentException">x is not floating point, keepProb is not a scalar, or its constant value is not in (0, 1].</exception>
            public static Tensor Dropout(Tensor x, Tensor keepProb, int? seed = null, string? name = null)
            {
                ArgumentNullException.ThrowIfNull(x);
                ArgumentNullException.ThrowIfNull(keepProb);
                RequireFloatingForDropout(x);
                if (keepProb.Shape.IsRankKnown && keepProb.Rank != 0)
                    throw new ArgumentException($"Tf.Nn.Dropout: keepProb must be a scalar, but got shape {keepProb.Shape}.", nameof(keepProb));
                using (Tf.NameScope(name ?? "dropout"))
                    return DropoutOps.Dropout(x, DropoutOps.ConstantScalar(keepProb), keepProb, seed, "Tf.Nn.Dropout");
            }

            private static void RequireFloatingForDropout(Tensor x)
            {
                if (!x.DType.IsFloating())
                    throw new ArgumentException($"Tf.Nn.Dropout: x must be Float32 or Float64, but got {x.DType}.", nameof(x));
            }
        }
    }
}

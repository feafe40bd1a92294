namespace Recur;

public static partial class Tf
{
    public static partial class Train
    {
        /// <summary>
        /// Exponential decay (TF: <c>tf.compat.v1.train.exponential_decay</c>):
        /// <c>lr · decay_rate^(global_step / decay_steps)</c>, the exponent floored when <paramref name="staircase"/>.
        /// </summary>
        /// <param name="learningRate">The initial learning rate.</param>
        /// <param name="globalStep">A numeric scalar, usually the global step variable.</param>
        /// <param name="decaySteps">Steps per decay period (&gt; 0).</param>
        /// <param name="decayRate">The factor per period.</param>
        /// <param name="staircase">Decay in discrete intervals.</param>
        /// <param name="dtype">Result dtype (Float32 default, as TF's Python floats).</param>
        /// <param name="name">Op name (default <c>ExponentialDecay</c>).</param>
        /// <returns>A scalar learning rate, recomputed from the step on every run.</returns>
        /// <exception cref="ArgumentException">globalStep is not a numeric scalar, a parameter is not finite, or decaySteps ≤ 0.</exception>
        /// <example><code>var step = Tf.Train.GetOrCreateGlobalStep();
        /// var lr = Tf.Train.ExponentialDecay(0.1, step, 1000, 0.96, staircase: true);
        /// var train = new Tf.Train.GradientDescentOptimizer(lr).Minimize(loss, globalStep: step);</code></example>
        public static Tensor ExponentialDecay(double learningRate, Tensor globalStep, double decaySteps, double decayRate, bool staircase = false,
            DType dtype = DType.Float32, string? name = null)
        {
            CheckSchedule("ExponentialDecay", learningRate, decaySteps, decayRate);
            return DecayOps.Build(globalStep, new ExponentialDecaySchedule(learningRate, decaySteps, decayRate, staircase), dtype, name ?? "ExponentialDecay");
        }

        /// <summary>
        /// Natural exponential decay (TF: <c>tf.compat.v1.train.natural_exp_decay</c>):
        /// <c>lr · e^(−decay_rate · global_step / decay_steps)</c>, the ratio floored when <paramref name="staircase"/>.
        /// </summary>
        /// <param name="learningRate">The initial learning rate.</param>
        /// <param name="globalStep">A numeric scalar.</param>
        /// <param name="decaySteps">Steps per decay period (&gt; 0).</param>
        /// <param name="decayRate">The decay rate.</param>
        /// <param name="staircase">Decay in discrete intervals.</param>
        /// <param name="dtype">Result dtype.</param>
        /// <param name="name">Op name (default <c>NaturalExpDecay</c>).</param>
        /// <returns>A scalar learning rate.</returns>
        /// <exception cref="ArgumentException">globalStep is not a numeric scalar, a parameter is not finite, or decaySteps ≤ 0.</exception>
        public static Tensor NaturalExpDecay(double learningRate, Tensor globalStep, double decaySteps, double decayRate, bool staircase = false,
            DType dtype = DType.Float32, string? name = null)
        {
            CheckSchedule("NaturalExpDecay", learningRate, decaySteps, decayRate);
            return DecayOps.Build(globalStep, new NaturalExpDecaySchedule(learningRate, decaySteps, decayRate, staircase), dtype, name ?? "NaturalExpDecay");
        }

        /// <summary>
        /// Inverse-time decay (TF: <c>tf.compat.v1.train.inverse_time_decay</c>):
        /// <c>lr / (1 + decay_rate · global_step / decay_steps)</c>, the ratio floored when <paramref name="staircase"/>.
        /// </summary>
        /// <param name="learningRate">The initial learning rate.</param>
        /// <param name="globalStep">A numeric scalar.</param>
        /// <param name="decaySteps">Steps per decay period (&gt; 0).</param>
        /// <param name="decayRate">The decay rate.</param>
        /// <param name="staircase">Decay in discrete intervals.</param>
        /// <param name="dtype">Result dtype.</param>
        /// <param name="name">Op name (default <c>InverseTimeDecay</c>).</param>
        /// <returns>A scalar learning rate.</returns>
        /// <exception cref="ArgumentException">globalStep is not a numeric scalar, a parameter is not finite, or decaySteps ≤ 0.</exception>
        public static Tensor InverseTimeDecay(double learningRate, Tensor globalStep, double decaySteps, double decayRate, bool staircase = false,
            DType dtype = DType.Float32, string? name = null)
        {
            CheckSchedule("InverseTimeDecay", learningRate, decaySteps, decayRate);
            return DecayOps.Build(globalStep, new InverseTimeDecaySchedule(learningRate, decaySteps, decayRate, staircase), dtype, name ?? "InverseTimeDecay");
        }

        /// <summary>
        /// Piecewise constant values (TF: <c>tf.compat.v1.train.piecewise_constant</c>): <c>values[0]</c> while
        /// x ≤ boundaries[0], <c>values[i]</c> while boundaries[i−1] &lt; x ≤ boundaries[i], the last value after the
        /// last boundary.
        /// </summary>
        /// <param name="x">A numeric scalar, usually the global step.</param>
        /// <param name="boundaries">Strictly increasing boundaries.</param>
        /// <param name="values">One more value than boundaries.</param>
        /// <param name="dtype">Result dtype.</param>
        /// <param name="name">Op name (default <c>PiecewiseConstant</c>).</param>
        /// <returns>A scalar.</returns>
        /// <exception cref="ArgumentException">The counts do not match, boundaries are not increasing, a value is not
        /// finite, or x is not a numeric scalar.</exception>
        /// <example><code>var lr = Tf.Train.PiecewiseConstant(step, new[] { 100000.0, 110000.0 }, new[] { 1.0, 0.5, 0.1 });</code></example>
        public static Tensor PiecewiseConstant(Tensor x, IReadOnlyList<double> boundaries, IReadOnlyList<double> values, DType dtype = DType.Float32, string? name = null)
        {
            ArgumentNullException.ThrowIfNull(boundaries);
            ArgumentNullException.ThrowIfNull(values);
            if (values.Count != boundaries.Count + 1)
                throw new ArgumentException($"Tf.Train.PiecewiseConstant: values must have one more element than boundaries, but got {values.Count} values and {boundaries.Count} boundaries.", nameof(values));
            for (int i = 0; i < boundaries.Count; i++)
            {
                if (double.IsNaN(boundaries[i]) || (i > 0 && !(boundaries[i] > boundaries[i - 1])))
                    throw new ArgumentException($"Tf.Train.PiecewiseConstant: boundaries must be strictly increasing, but got [{string.Join(", ", boundaries)}].", nameof(boundaries));
            }
            if (values.Any(v => !double.IsFinite(v)))
                throw new ArgumentException("Tf.Train.PiecewiseConstant: values must be finite.", nameof(values));
            return DecayOps.Build(x, new PiecewiseConstantSchedule(boundaries.ToArray(), values.ToArray()), dtype, name ?? "PiecewiseConstant");
        }

        /// <summary>
        /// Polynomial decay (TF: <c>tf.compat.v1.train.polynomial_decay</c>):
        /// <c>(lr − end_lr) · (1 − step / decay_steps)^power + end_lr</c> with step = min(global_step, decay_steps);
        /// when <paramref name="cycle"/>, decay_steps is instead stretched to decay_steps · ⌈global_step / decay_steps⌉
        /// (1 at step 0).
        /// </summary>
        /// <param name="learningRate">The initial learning rate.</param>
        /// <param name="globalStep">A numeric scalar.</param>
        /// <param name="decaySteps">Steps to reach the end rate (&gt; 0).</param>
        /// <param name="endLearningRate">The final learning rate (TF default 0.0001).</param>
        /// <param name="power">The polynomial's power (TF default 1, linear).</param>
        /// <param name="cycle">Restart the decay after each decaySteps.</param>
        /// <param name="dtype">Result dtype.</param>
        /// <param name="name">Op name (default <c>PolynomialDecay</c>).</param>
        /// <returns>A scalar learning rate.</returns>
        /// <exception cref="ArgumentException">globalStep is not a numeric scalar, a parameter is not finite, or decaySteps ≤ 0.</exception>
        public static Tensor PolynomialDecay(double learningRate, Tensor globalStep, double decaySteps, double endLearningRate = 0.0001, double power = 1.0,
            bool cycle = false, DType dtype = DType.Float32, string? name = null)
        {
            CheckSchedule("PolynomialDecay", learningRate, decaySteps, power);
            if (!double.IsFinite(endLearningRate))
                throw new ArgumentException($"Tf.Train.PolynomialDecay: endLearningRate must be finite, but got {endLearningRate}.", nameof(endLearningRate));
            return DecayOps.Build(globalStep, new PolynomialDecaySchedule(learningRate, decaySteps, endLearningRate, power, cycle), dtype, name ?? "PolynomialDecay");
        }

        /// <summary>
        /// Cosine decay (TF: <c>tf.compat.v1.train.cosine_decay</c>, Loshchilov and Hutter's SGDR without restarts):
        /// <c>lr · ((1 − α)·½(1 + cos(π · min(step, decay_steps) / decay_steps)) + α)</c>.
        /// </summary>
        /// <param name="learningRate">The initial learning rate.</param>
        /// <param name="globalStep">A numeric scalar.</param>
        /// <param name="decaySteps">Steps to decay over (&gt; 0).</param>
        /// <param name="alpha">The floor, as a fraction of the learning rate.</param>
        /// <param name="dtype">Result dtype.</param>
        /// <param name="name">Op name (default <c>CosineDecay</c>).</param>
        /// <returns>A scalar learning rate.</returns>
        /// <exception cref="ArgumentException">globalStep is not a numeric scalar, a parameter is not finite, or decaySteps ≤ 0.</exception>
        public static Tensor CosineDecay(double learningRate, Tensor globalStep, double decaySteps, double alpha = 0.0, DType dtype = DType.Float32, string? name = null)
        {
            CheckSchedule("CosineDecay", learningRate, decaySteps, alpha);
            return DecayOps.Build(globalStep, new CosineDecaySchedule(learningRate, decaySteps, alpha), dtype, name ?? "CosineDecay");
        }

        private static void CheckSchedule(string who, double learningRate, double decaySteps, double other)
        {
            if (!double.IsFinite(learningRate) || !double.IsFinite(other))
                throw new ArgumentException($"Tf.Train.{who}: the learning rate and decay parameters must be finite.", nameof(learningRate));
            if (!(decaySteps > 0) || !double.IsFinite(decaySteps))
                throw new ArgumentException($"Tf.Train.{who}: decaySteps must be positive, but got {decaySteps}.", nameof(decaySteps));
        }
    }
}

namespace Recur;

public static partial class Tf
{
    public static partial class Train
    {
        /// <summary>
        /// Plain gradient descent (TF: <c>tf.compat.v1.train.GradientDescentOptimizer</c>): <c>var -= lr · g</c>.
        /// No slots. Update op type <c>ApplyGradientDescent</c>.
        /// </summary>
        /// <example><code>var train = new Tf.Train.GradientDescentOptimizer(0.1).Minimize(loss);</code></example>
        public sealed class GradientDescentOptimizer : Optimizer
        {
            /// <summary>A gradient-descent optimizer with a constant learning rate.</summary>
            /// <param name="learningRate">The step size (finite).</param>
            /// <param name="name">Name scope of the update ops.</param>
            /// <exception cref="ArgumentOutOfRangeException">learningRate is NaN or infinite.</exception>
            public GradientDescentOptimizer(double learningRate, string name = "GradientDescent") : base(learningRate, name) { }

            /// <summary>A gradient-descent optimizer whose learning rate is a tensor (e.g. a decay schedule).</summary>
            /// <param name="learningRate">A Float32 or Float64 scalar, cast to each variable's dtype.</param>
            /// <param name="name">Name scope of the update ops.</param>
            /// <exception cref="ArgumentException">learningRate is not a floating-point scalar.</exception>
            public GradientDescentOptimizer(Tensor learningRate, string name = "GradientDescent") : base(learningRate, name) { }

            private protected override void CreateSlots(IReadOnlyList<Variable> variables) { }

            private protected override Operation ApplyDense(Tensor grad, Variable variable) =>
                ApplyOps.Build("ApplyGradientDescent", variable, Array.Empty<Variable>(), new[] { LearningRate(variable.DType) }, grad);
        }

        /// <summary>
        /// Gradient descent with momentum (TF: <c>tf.compat.v1.train.MomentumOptimizer</c>):
        /// <c>accum = momentum · accum + g; var -= lr · accum</c>, or with Nesterov
        /// <c>var -= lr · g + lr · momentum · accum</c> (using the new accum).
        /// Slot <c>"momentum"</c>, variable <c>&lt;var&gt;/Momentum</c>, zeros. Update op type <c>ApplyMomentum</c>.
        /// </summary>
        /// <example><code>var train = new Tf.Train.MomentumOptimizer(0.01, 0.9, useNesterov: true).Minimize(loss);</code></example>
        public sealed class MomentumOptimizer : Optimizer
        {
            private readonly double _momentum;
            private readonly bool _useNesterov;

            /// <summary>A momentum optimizer with a constant learning rate.</summary>
            /// <param name="learningRate">The step size (finite).</param>
            /// <param name="momentum">The decay of the accumulator (finite).</param>
            /// <param name="useNesterov">Nesterov momentum.</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentOutOfRangeException">learningRate or momentum is NaN or infinite.</exception>
            public MomentumOptimizer(double learningRate, double momentum, bool useNesterov = false, string name = "Momentum")
                : base(learningRate, name)
            {
                _momentum = CheckFinite(momentum, nameof(momentum), name);
                _useNesterov = useNesterov;
            }

            /// <summary>A momentum optimizer whose learning rate is a Float32 or Float64 scalar tensor.</summary>
            /// <param name="learningRate">A floating-point scalar, cast to each variable's dtype.</param>
            /// <param name="momentum">The decay of the accumulator (finite).</param>
            /// <param name="useNesterov">Nesterov momentum.</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentException">learningRate is not a floating-point scalar.</exception>
            /// <exception cref="ArgumentOutOfRangeException">momentum is NaN or infinite.</exception>
            public MomentumOptimizer(Tensor learningRate, double momentum, bool useNesterov = false, string name = "Momentum")
                : base(learningRate, name)
            {
                _momentum = CheckFinite(momentum, nameof(momentum), name);
                _useNesterov = useNesterov;
            }

            private protected override void CreateSlots(IReadOnlyList<Variable> variables)
            {
                foreach (var v in variables) Slot(v, "momentum", Initializers.Zeros());
            }

            private protected override Operation ApplyDense(Tensor grad, Variable variable) =>
                ApplyOps.Build("ApplyMomentum", variable, new[] { SlotOf(variable, "momentum") },
                    new[] { LearningRate(variable.DType), Hyper("momentum", _momentum, variable.DType) }, grad, useNesterov: _useNesterov);
        }

        /// <summary>
        /// Adam (TF: <c>tf.compat.v1.train.AdamOptimizer</c>, Kingma and Ba 2015, section 2's efficient form):
        /// with t the step count, <c>lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)</c>, <c>m = β₁·m + (1 − β₁)·g</c>,
        /// <c>v = β₂·v + (1 − β₂)·g²</c>, <c>var -= lr_t · m / (√v + ε)</c> (ε outside the root, so TF's ε is the
        /// paper's ε̂). Slots <c>"m"</c> (<c>&lt;var&gt;/Adam</c>) and <c>"v"</c> (<c>&lt;var&gt;/Adam_1</c>), zeros;
        /// non-slot scalars <c>beta1_power</c> and <c>beta2_power</c> (initial β₁, β₂), multiplied by β after every
        /// step. Update op type <c>ApplyAdam</c>.
        /// </summary>
        /// <remarks>TF keeps the β powers in Float32; Recur keeps them in Float64 when any variable of the first
        /// <see cref="Optimizer.ApplyGradients"/> is Float64 (so Float64 training is exact), else Float32.</remarks>
        /// <example><code>var train = new Tf.Train.AdamOptimizer(0.001).Minimize(loss, globalStep: Tf.Train.GetOrCreateGlobalStep());</code></example>
        public sealed class AdamOptimizer : Optimizer
        {
            private readonly double _beta1;
            private readonly double _beta2;
            private readonly double _epsilon;

            /// <summary>An Adam optimizer with a constant learning rate.</summary>
            /// <param name="learningRate">The step size (finite).</param>
            /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
            /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
            /// <param name="epsilon">Added to √v (finite, ≥ 0).</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
            public AdamOptimizer(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, string name = "Adam")
                : base(learningRate, name)
            {
                (_beta1, _beta2, _epsilon) = Check(beta1, beta2, epsilon, name);
            }

            /// <summary>An Adam optimizer whose learning rate is a Float32 or Float64 scalar tensor.</summary>
            /// <param name="learningRate">A floating-point scalar, cast to each variable's dtype.</param>
            /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
            /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
            /// <param name="epsilon">Added to √v (finite, ≥ 0).</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentException">learningRate is not a floating-point scalar.</exception>
            /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
            public AdamOptimizer(Tensor learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, string name = "Adam")
                : base(learningRate, name)
            {
                (_beta1, _beta2, _epsilon) = Check(beta1, beta2, epsilon, name);
            }

            /// <summary>The β₁ᵗ and β₂ᵗ accumulators (TF: <c>_get_beta_accumulators</c>); null before the first apply.</summary>
            public (Variable Beta1Power, Variable Beta2Power)? BetaAccumulators =>
                TryGetNonSlot("beta1_power") is { } b1 && TryGetNonSlot("beta2_power") is { } b2 ? (b1, b2) : null;

            private static (double, double, double) Check(double beta1, double beta2, double epsilon, string name)
            {
                if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{name}Optimizer: beta1 must be in [0, 1).");
                if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{name}Optimizer: beta2 must be in [0, 1).");
                if (!(epsilon >= 0) || !double.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{name}Optimizer: epsilon must be finite and >= 0.");
                return (beta1, beta2, epsilon);
            }

            private protected override void CreateSlots(IReadOnlyList<Variable> variables)
            {
                var dtype = variables.Any(v => v.DType == DType.Float64) ? DType.Float64 : DType.Float32;
                NonSlot(variables[0].Graph, "beta1_power", _beta1, dtype);
                NonSlot(variables[0].Graph, "beta2_power", _beta2, dtype);
                foreach (var v in variables)
                {
                    Slot(v, "m", Initializers.Zeros());
                    Slot(v, "v", Initializers.Zeros());
                }
            }

            private protected override Operation ApplyDense(Tensor grad, Variable variable)
            {
                var (b1p, b2p) = BetaAccumulators!.Value;
                var dt = variable.DType;
                return ApplyOps.Build("ApplyAdam", variable, new[] { SlotOf(variable, "m"), SlotOf(variable, "v") },
                    new[]
                    {
                        Power(b1p, dt), Power(b2p, dt), LearningRate(dt),
                        Hyper("beta1", _beta1, dt), Hyper("beta2", _beta2, dt), Hyper("epsilon", _epsilon, dt),
                    }, grad);
            }

            private Tensor Power(Variable power, DType dtype) => power.DType == dtype ? power.Value : Tf.Cast(power.Value, dtype);

            private protected override Operation Finish(IReadOnlyList<Operation> updates, string name, bool exact)
            {
                var (b1p, b2p) = BetaAccumulators!.Value;
                Operation u1, u2;
                using (Graph.Default.ControlDependencies(updates))
                {
                    u1 = Tf.Assign(b1p, Tf.Multiply(b1p.Value, Hyper("beta1", _beta1, b1p.DType)), "update_beta1").Op;
                    u2 = Tf.Assign(b2p, Tf.Multiply(b2p.Value, Hyper("beta2", _beta2, b2p.DType)), "update_beta2").Op;
                }
                return Group(updates.Append(u1).Append(u2), name, exact);
            }
        }

        /// <summary>
        /// RMSProp (TF: <c>tf.compat.v1.train.RMSPropOptimizer</c>, Hinton's lecture 6e):
        /// <c>ms = ρ·ms + (1 − ρ)·g²; mom = μ·mom + lr·g/√(ms + ε); var -= mom</c>. Centered: also
        /// <c>mg = ρ·mg + (1 − ρ)·g</c> and the denominator is <c>√(ms − mg² + ε)</c>.
        /// Slots (in TF's creation order) <c>"rms"</c> (ones, as TF1 initializes it), <c>"mg"</c> (centered only, zeros),
        /// <c>"momentum"</c> (zeros): variables <c>&lt;var&gt;/RMSProp</c>, <c>&lt;var&gt;/RMSProp_1</c>, ….
        /// Update op types <c>ApplyRMSProp</c> and <c>ApplyCenteredRMSProp</c>.
        /// </summary>
        /// <example><code>var train = new Tf.Train.RmsPropOptimizer(0.001, momentum: 0.9).Minimize(loss);</code></example>
        public sealed class RmsPropOptimizer : Optimizer
        {
            private readonly double _decay;
            private readonly double _momentum;
            private readonly double _epsilon;
            private readonly bool _centered;

            /// <summary>An RMSProp optimizer with a constant learning rate.</summary>
            /// <param name="learningRate">The step size (finite).</param>
            /// <param name="decay">ρ, the discount of the squared-gradient average, in [0, 1].</param>
            /// <param name="momentum">μ (finite).</param>
            /// <param name="epsilon">Added inside the square root (finite, ≥ 0).</param>
            /// <param name="centered">Normalize by the estimated variance instead of the second moment.</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
            public RmsPropOptimizer(double learningRate, double decay = 0.9, double momentum = 0.0, double epsilon = 1e-10, bool centered = false, string name = "RMSProp")
                : base(learningRate, name)
            {
                (_decay, _momentum, _epsilon, _centered) = Check(decay, momentum, epsilon, centered, name);
            }

            /// <summary>An RMSProp optimizer whose learning rate is a Float32 or Float64 scalar tensor.</summary>
            /// <param name="learningRate">A floating-point scalar, cast to each variable's dtype.</param>
            /// <param name="decay">ρ, in [0, 1].</param>
            /// <param name="momentum">μ (finite).</param>
            /// <param name="epsilon">Added inside the square root (finite, ≥ 0).</param>
            /// <param name="centered">Normalize by the estimated variance.</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentException">learningRate is not a floating-point scalar.</exception>
            /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
            public RmsPropOptimizer(Tensor learningRate, double decay = 0.9, double momentum = 0.0, double epsilon = 1e-10, bool centered = false, string name = "RMSProp")
                : base(learningRate, name)
            {
                (_decay, _momentum, _epsilon, _centered) = Check(decay, momentum, epsilon, centered, name);
            }

            private static (double, double, double, bool) Check(double decay, double momentum, double epsilon, bool centered, string name)
            {
                if (!(decay >= 0 && decay <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, $"{name}Optimizer: decay must be in [0, 1].");
                CheckFinite(momentum, nameof(momentum), name);
                if (!(epsilon >= 0) || !double.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{name}Optimizer: epsilon must be finite and >= 0.");
                return (decay, momentum, epsilon, centered);
            }

            private protected override void CreateSlots(IReadOnlyList<Variable> variables)
            {
                foreach (var v in variables)
                {
                    Slot(v, "rms", Initializers.Ones());
                    if (_centered) Slot(v, "mg", Initializers.Zeros());
                    Slot(v, "momentum", Initializers.Zeros());
                }
            }

            private protected override Operation ApplyDense(Tensor grad, Variable variable)
            {
                var dt = variable.DType;
                var slots = _centered
                    ? new[] { SlotOf(variable, "rms"), SlotOf(variable, "mg"), SlotOf(variable, "momentum") }
                    : new[] { SlotOf(variable, "rms"), SlotOf(variable, "momentum") };
                return ApplyOps.Build(_centered ? "ApplyCenteredRMSProp" : "ApplyRMSProp", variable, slots,
                    new[] { LearningRate(dt), Hyper("decay", _decay, dt), Hyper("momentum", _momentum, dt), Hyper("epsilon", _epsilon, dt) }, grad);
            }
        }

        /// <summary>
        /// Adagrad (TF: <c>tf.compat.v1.train.AdagradOptimizer</c>, Duchi et al. 2011):
        /// <c>accum += g²; var -= lr · g / √accum</c>. Slot <c>"accumulator"</c>, variable <c>&lt;var&gt;/Adagrad</c>,
        /// initialized to <c>initialAccumulatorValue</c>. Update op type <c>ApplyAdagrad</c>.
        /// </summary>
        /// <example><code>var train = new Tf.Train.AdagradOptimizer(0.1).Minimize(loss);</code></example>
        public sealed class AdagradOptimizer : Optimizer
        {
            private readonly double _initial;

            /// <summary>An Adagrad optimizer with a constant learning rate.</summary>
            /// <param name="learningRate">The step size (finite).</param>
            /// <param name="initialAccumulatorValue">Starting value of the accumulators; must be positive.</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentOutOfRangeException">learningRate is not finite or initialAccumulatorValue ≤ 0.</exception>
            public AdagradOptimizer(double learningRate, double initialAccumulatorValue = 0.1, string name = "Adagrad") : base(learningRate, name)
            {
                _initial = CheckInitial(initialAccumulatorValue, name);
            }

            /// <summary>An Adagrad optimizer whose learning rate is a Float32 or Float64 scalar tensor.</summary>
            /// <param name="learningRate">A floating-point scalar, cast to each variable's dtype.</param>
            /// <param name="initialAccumulatorValue">Starting value of the accumulators; must be positive.</param>
            /// <param name="name">Name scope and slot suffix.</param>
            /// <exception cref="ArgumentException">learningRate is not a floating-point scalar.</exception>
            /// <exception cref="ArgumentOutOfRangeException">initialAccumulatorValue ≤ 0.</exception>
            public AdagradOptimizer(Tensor learningRate, double initialAccumulatorValue = 0.1, string name = "Adagrad") : base(learningRate, name)
            {
                _initial = CheckInitial(initialAccumulatorValue, name);
            }

            private static double CheckInitial(double value, string name) =>
                value > 0 && double.IsFinite(value) ? value
                    : throw new ArgumentOutOfRangeException(nameof(value), value, $"{name}Optimizer: initialAccumulatorValue must be positive and finite.");

            private protected override void CreateSlots(IReadOnlyList<Variable> variables)
            {
                foreach (var v in variables) Slot(v, "accumulator", Initializers.Constant(_initial));
            }

            private protected override Operation ApplyDense(Tensor grad, Variable variable) =>
                ApplyOps.Build("ApplyAdagrad", variable, new[] { SlotOf(variable, "accumulator") }, new[] { LearningRate(variable.DType) }, grad);
        }

        private static double CheckFinite(double value, string param, string owner) =>
            double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(param, value, $"{owner}Optimizer: {param} must be finite.");
    }
}

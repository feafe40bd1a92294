namespace Recur;

public static partial class Tf
{
    /// <summary>
    /// Training (TF: <c>tf.compat.v1.train</c>): optimizers, the global step, learning-rate decay schedules and
    /// checkpoints.
    /// </summary>
    public static partial class Train
    {
        /// <summary>
        /// The base of the optimizers (TF: <c>tf.compat.v1.train.Optimizer</c>). <see cref="Minimize"/> is
        /// <see cref="ComputeGradients"/> (symbolic gradients of the loss with respect to the variables) followed by
        /// <see cref="ApplyGradients"/> (one fused update op per variable, grouped). Running the returned op once
        /// applies one step to every variable, using the gradients computed in the same <c>Session.Run</c>.
        /// </summary>
        /// <remarks>
        /// Slot variables (Adam's <c>m</c> and <c>v</c>, the momentum accumulators, …) are created on the first
        /// <see cref="ApplyGradients"/> for a variable, named as TF names them (<c>&lt;var&gt;/Adam</c>,
        /// <c>&lt;var&gt;/Adam_1</c>, <c>&lt;var&gt;/Momentum</c>), non-trainable, and initialized by
        /// <see cref="GlobalVariablesInitializer"/>: build the training op before the initializer.
        /// </remarks>
        /// <example><code>var opt = new Tf.Train.AdamOptimizer(0.001);
        /// var step = Tf.Train.GetOrCreateGlobalStep();
        /// Operation train = opt.Minimize(loss, globalStep: step);
        /// sess.Run(Tf.GlobalVariablesInitializer());
        /// for (int i = 0; i &lt; 1000; i++) sess.Run(train, feeds);</code></example>
        public abstract class Optimizer
        {
            private readonly double _learningRate;
            private readonly Tensor? _learningRateTensor;
            private readonly Dictionary<string, Dictionary<Variable, Variable>> _slots = new(StringComparer.Ordinal);
            private readonly Dictionary<string, Variable> _nonSlots = new(StringComparer.Ordinal);
            private readonly List<Variable> _created = new();
            private Dictionary<(string, DType), Tensor>? _hyper;

            private protected Optimizer(double learningRate, string name)
            {
                ArgumentException.ThrowIfNullOrEmpty(name);
                if (!double.IsFinite(learningRate))
                    throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"{name}Optimizer: learningRate must be finite.");
                _learningRate = learningRate;
                Name = name;
            }

            private protected Optimizer(Tensor learningRate, string name)
            {
                ArgumentNullException.ThrowIfNull(learningRate);
                ArgumentException.ThrowIfNullOrEmpty(name);
                if (!learningRate.DType.IsFloating() || (learningRate.Shape.IsRankKnown && learningRate.Rank != 0))
                    throw new ArgumentException(
                        $"{name}Optimizer: a learning-rate tensor must be a Float32 or Float64 scalar, but '{learningRate.Name}' has dtype {learningRate.DType} and shape {learningRate.Shape}.",
                        nameof(learningRate));
                _learningRateTensor = learningRate;
                Name = name;
            }

            /// <summary>The optimizer's name: the default name scope of its ops and the suffix of its slot variables.</summary>
            public string Name { get; }

            /// <summary>
            /// Builds the gradients of <paramref name="loss"/> with respect to the variables (TF:
            /// <c>Optimizer.compute_gradients</c>).
            /// </summary>
            /// <param name="loss">The value to minimize: a Float32 or Float64 tensor (any shape; non-scalars are summed, as
            /// <c>tf.gradients</c> does).</param>
            /// <param name="varList">The variables to differentiate; default: the graph's trainable variables.</param>
            /// <param name="gradLoss">The gradient of something with respect to <paramref name="loss"/> (default ones).</param>
            /// <returns>(gradient, variable) pairs in <paramref name="varList"/> order; the gradient is null where the loss
            /// does not depend on the variable.</returns>
            /// <exception cref="ArgumentException">The loss is not floating point, there are no variables, a variable is
            /// not floating point, or a variable belongs to another graph.</exception>
            public IReadOnlyList<(Tensor? Gradient, Variable Variable)> ComputeGradients(Tensor loss, IReadOnlyList<Variable>? varList = null, Tensor? gradLoss = null)
            {
                ArgumentNullException.ThrowIfNull(loss);
                if (!loss.DType.IsFloating())
                    throw new ArgumentException($"{Name}Optimizer.ComputeGradients: the loss '{loss.Name}' has dtype {loss.DType}; expected Float32 or Float64.", nameof(loss));
                var vars = varList ?? loss.Graph.Root.TrainableVariables;
                if (vars.Count == 0)
                    throw new ArgumentException($"{Name}Optimizer.ComputeGradients: no variables to optimize.", nameof(varList));
                foreach (var v in vars)
                {
                    ArgumentNullException.ThrowIfNull(v, nameof(varList));
                    if (!v.DType.IsFloating())
                        throw new ArgumentException($"{Name}Optimizer.ComputeGradients: invalid dtype {v.DType} for variable '{v.Name}'; expected Float32 or Float64.", nameof(varList));
                    if (v.Graph != loss.Graph.Root)
                        throw new ArgumentException($"{Name}Optimizer.ComputeGradients: variable '{v.Name}' belongs to a different graph than the loss '{loss.Name}'.", nameof(varList));
                }
                var grads = Tf.Gradients(new[] { loss }, vars.Select(v => v.Value).ToList(), gradLoss is null ? null : new[] { gradLoss });
                var result = new (Tensor?, Variable)[vars.Count];
                for (int i = 0; i < result.Length; i++) result[i] = (grads[i], vars[i]);
                return result;
            }

            /// <summary>
            /// Builds the op that applies the gradients to their variables (TF: <c>Optimizer.apply_gradients</c>):
            /// creates the slots of new variables, adds one update op per variable with a gradient (named
            /// <c>&lt;name&gt;/update_&lt;var&gt;/Apply…</c>), then the optimizer's finishing updates (Adam's β powers) and,
            /// with <paramref name="globalStep"/>, an increment of the step after all updates.
            /// </summary>
            /// <param name="gradsAndVars">(gradient, variable) pairs, e.g. from <see cref="ComputeGradients"/>, possibly
            /// clipped; pairs with a null gradient are skipped. Each gradient has its variable's dtype and shape.</param>
            /// <param name="globalStep">An Int32 or Int64 scalar variable incremented by one per run, or null.</param>
            /// <param name="name">The name scope and the name of the returned op (default <see cref="Name"/>).</param>
            /// <returns>The training op: a group of the updates (named <paramref name="name"/>), or with
            /// <paramref name="globalStep"/> the step's assign (named <paramref name="name"/>) that runs after the group
            /// <c>&lt;name&gt;/update</c>.</returns>
            /// <exception cref="ArgumentException">The list is empty, every gradient is null, a gradient's dtype or shape
            /// differs from its variable's, variables come from different graphs, or the global step is not an integer
            /// scalar.</exception>
            public Operation ApplyGradients(IEnumerable<(Tensor? Gradient, Variable Variable)> gradsAndVars, Variable? globalStep = null, string? name = null)
            {
                ArgumentNullException.ThrowIfNull(gradsAndVars);
                var all = gradsAndVars.ToList();
                string who = $"{Name}Optimizer.ApplyGradients";
                if (all.Count == 0) throw new ArgumentException($"{who}: no variables provided.", nameof(gradsAndVars));
                var pairs = new List<(Tensor Gradient, Variable Variable)>();
                var seen = new HashSet<Variable>();
                foreach (var (g, v) in all)
                {
                    ArgumentNullException.ThrowIfNull(v, nameof(gradsAndVars));
                    if (!seen.Add(v)) throw new ArgumentException($"{who}: variable '{v.Name}' is listed more than once.", nameof(gradsAndVars));
                    if (g is null) continue;
                    if (g.DType != v.DType)
                        throw new ArgumentException($"{who}: variable '{v.Name}' has dtype {v.DType}, but its gradient '{g.Name}' has dtype {g.DType}.", nameof(gradsAndVars));
                    if (!g.Shape.IsCompatibleWith(v.Shape))
                        throw new ArgumentException($"{who}: variable '{v.Name}' has shape {v.Shape}, but its gradient '{g.Name}' has shape {g.Shape}.", nameof(gradsAndVars));
                    pairs.Add((g, v));
                }
                if (pairs.Count == 0)
                    throw new ArgumentException(
                        $"{who}: no gradients provided for any variable, check your graph for ops that do not support gradients; variables: {string.Join(", ", all.Select(p => p.Variable.Name))}.",
                        nameof(gradsAndVars));
                var graph = pairs[0].Variable.Graph;
                foreach (var (g, v) in pairs)
                {
                    if (v.Graph != graph || g.Graph != graph)
                        throw new ArgumentException($"{who}: variable '{v.Name}' and its gradient must belong to the graph of '{pairs[0].Variable.Name}'.", nameof(gradsAndVars));
                }
                if (globalStep is not null)
                {
                    if (globalStep.DType is not (DType.Int32 or DType.Int64) || globalStep.Shape.Rank != 0)
                        throw new ArgumentException($"{who}: the global step '{globalStep.Name}' must be an Int32 or Int64 scalar, but has dtype {globalStep.DType} and shape {globalStep.Shape}.", nameof(globalStep));
                    if (globalStep.Graph != graph)
                        throw new ArgumentException($"{who}: the global step '{globalStep.Name}' belongs to another graph.", nameof(globalStep));
                }
                using (graph.AsDefault())
                {
                    using (graph.ClearControlDependencies())
                        CreateSlots(pairs.Select(p => p.Variable).ToList());
                    using (graph.NameScope(name ?? Name, out string scope))
                    {
                        string exact = scope.TrimEnd('/');
                        _hyper = new Dictionary<(string, DType), Tensor>();
                        try
                        {
                            var updates = new List<Operation>(pairs.Count);
                            foreach (var (g, v) in pairs)
                            {
                                using (graph.NameScope("update_" + v.Name))
                                    updates.Add(ApplyDense(g, v));
                            }
                            if (globalStep is null) return Finish(updates, exact, exact: true);
                            var finished = Finish(updates, "update", exact: false);
                            using (graph.ControlDependencies(new[] { finished }))
                            {
                                var next = globalStep.Value + 1.0;
                                return graph.AddOperation("Assign", exact, new[] { next }, new[] { (globalStep.DType, globalStep.Shape) },
                                    new Dictionary<string, object?> { ["variable"] = globalStep }, exactName: true);
                            }
                        }
                        finally
                        {
                            _hyper = null;
                        }
                    }
                }
            }

            /// <summary>
            /// <see cref="ComputeGradients"/> then <see cref="ApplyGradients"/> (TF: <c>Optimizer.minimize</c>).
            /// </summary>
            /// <param name="loss">The Float32 or Float64 value to minimize.</param>
            /// <param name="globalStep">Incremented by one per run when given.</param>
            /// <param name="varList">The variables to update; default: the graph's trainable variables.</param>
            /// <param name="name">Name of the returned op (default <see cref="Name"/>).</param>
            /// <param name="gradLoss">Optional gradient with respect to the loss.</param>
            /// <returns>The training op.</returns>
            /// <exception cref="ArgumentException">No variables, or the loss depends on none of them (the message lists
            /// the variables and the loss).</exception>
            public Operation Minimize(Tensor loss, Variable? globalStep = null, IReadOnlyList<Variable>? varList = null, string? name = null, Tensor? gradLoss = null)
            {
                var gv = ComputeGradients(loss, varList, gradLoss);
                if (gv.All(p => p.Gradient is null))
                    throw new ArgumentException(
                        $"{Name}Optimizer.Minimize: no gradients provided for any variable, check your graph for ops that do not support gradients, between variables [{string.Join(", ", gv.Select(p => p.Variable.Name))}] and loss '{loss.Name}'.",
                        nameof(loss));
                return ApplyGradients(gv, globalStep, name);
            }

            /// <summary>The slot variable <paramref name="slotName"/> of <paramref name="variable"/>, or null (TF: <c>get_slot</c>).</summary>
            /// <param name="variable">A variable this optimizer has updated.</param>
            /// <param name="slotName">A name from <see cref="GetSlotNames"/>, e.g. <c>"m"</c> for Adam.</param>
            public Variable? GetSlot(Variable variable, string slotName)
            {
                ArgumentNullException.ThrowIfNull(variable);
                ArgumentNullException.ThrowIfNull(slotName);
                return _slots.TryGetValue(slotName, out var d) && d.TryGetValue(variable, out var s) ? s : null;
            }

            /// <summary>The names of the slots this optimizer has created, sorted (TF: <c>get_slot_names</c>).</summary>
            public IReadOnlyList<string> GetSlotNames() => _slots.Keys.Order(StringComparer.Ordinal).ToList();

            /// <summary>Every variable this optimizer created (slots and e.g. Adam's β powers), in creation order (TF: <c>variables()</c>).</summary>
            public IReadOnlyList<Variable> Variables() => _created.ToList();

            /// <summary>Creates the slot variables of the variables that have none yet.</summary>
            private protected abstract void CreateSlots(IReadOnlyList<Variable> variables);

            /// <summary>Adds the update op of one variable (inside its <c>update_&lt;var&gt;</c> name scope).</summary>
            private protected abstract Operation ApplyDense(Tensor grad, Variable variable);

            /// <summary>
            /// Groups the updates into the training op (Adam first adds its β-power updates). <paramref name="name"/> is
            /// absolute and taken exactly when <paramref name="exact"/> (TF names the group after the optimizer's name
            /// scope), else uniquified under the current scope.
            /// </summary>
            private protected virtual Operation Finish(IReadOnlyList<Operation> updates, string name, bool exact) => Group(updates, name, exact);

            /// <summary>A NoOp waiting for <paramref name="ops"/> (TF: <c>tf.group</c>).</summary>
            private protected static Operation Group(IEnumerable<Operation> ops, string name, bool exact) => exact
                ? Graph.Default.AddOperation("NoOp", name, Array.Empty<Tensor>(), Array.Empty<(DType, Recur.Shape)>(), controlInputs: ops, exactName: true)
                : StateOps.NoOp(ops, name);

            /// <summary>The learning rate as a scalar of <paramref name="dtype"/> (cast once per dtype per apply).</summary>
            private protected Tensor LearningRate(DType dtype)
            {
                if (_learningRateTensor is { } t)
                {
                    if (t.DType == dtype) return t;
                    return Cached("learning_rate_cast", dtype, () => Tf.Cast(t, dtype, "learning_rate"));
                }
                return Hyper("learning_rate", _learningRate, dtype);
            }

            /// <summary>A hyper-parameter constant of <paramref name="dtype"/>, built once per apply.</summary>
            private protected Tensor Hyper(string name, double value, DType dtype) =>
                Cached(name, dtype, () => StateOps.Const(NDArray.Scalar(value, dtype), name));

            private Tensor Cached(string key, DType dtype, Func<Tensor> make)
            {
                var cache = _hyper ?? throw new InvalidOperationException("Optimizer: hyper-parameters are built only while applying gradients.");
                if (cache.TryGetValue((key, dtype), out var t)) return t;
                // Built on first use (inside the first update's scope) and shared by every later update, like TF's _prepare.
                return cache[(key, dtype)] = make();
            }

            /// <summary>
            /// Creates the slot <paramref name="slotName"/> of <paramref name="primary"/> (TF: <c>slot_creator</c>): a
            /// non-trainable variable of the primary's shape and dtype named <c>&lt;primary&gt;/&lt;Name&gt;</c>,
            /// uniquified with <c>_1</c>, <c>_2</c>, … as TF's variable scopes do.
            /// </summary>
            private protected Variable Slot(Variable primary, string slotName, Initializer initializer)
            {
                if (!_slots.TryGetValue(slotName, out var bySlot)) _slots[slotName] = bySlot = new Dictionary<Variable, Variable>();
                if (bySlot.TryGetValue(primary, out var existing)) return existing;
                var v = StateOps.CreateVariable(primary.Graph, UniqueVariableName(primary.Graph, primary.Name + "/" + Name),
                    primary.Shape, primary.DType, initializer, trainable: false);
                bySlot[primary] = v;
                _created.Add(v);
                return v;
            }

            /// <summary>The slot <paramref name="slotName"/> of <paramref name="primary"/>, which must exist.</summary>
            private protected Variable SlotOf(Variable primary, string slotName) => _slots[slotName][primary];

            /// <summary>
            /// A non-slot variable of this optimizer (TF: <c>_create_non_slot_variable</c>, e.g. Adam's
            /// <c>beta1_power</c>): a non-trainable scalar named <paramref name="name"/> (uniquified), created once.
            /// </summary>
            private protected Variable NonSlot(Graph graph, string name, double initialValue, DType dtype)
            {
                if (_nonSlots.TryGetValue(name, out var v)) return v;
                v = StateOps.CreateVariable(graph.Root, UniqueVariableName(graph.Root, name), Recur.Shape.Scalar, dtype, Initializers.Constant(initialValue), trainable: false);
                _nonSlots[name] = v;
                _created.Add(v);
                return v;
            }

            private protected Variable? TryGetNonSlot(string name) => _nonSlots.TryGetValue(name, out var v) ? v : null;

            private static string UniqueVariableName(Graph root, string baseName)
            {
                if (!root.HasVariable(baseName)) return baseName;
                for (int i = 1; ; i++)
                {
                    string n = $"{baseName}_{i}";
                    if (!root.HasVariable(n)) return n;
                }
            }
        }
    }
}

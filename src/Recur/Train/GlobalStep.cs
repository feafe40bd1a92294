namespace Recur;

public static partial class Tf
{
    public static partial class Train
    {
        private const string GlobalStepName = "global_step";

        /// <summary>
        /// Creates the global step (TF: <c>tf.compat.v1.train.create_global_step</c>): a non-trainable Int64 scalar
        /// variable named <c>global_step</c>, initialized to 0, in the root of <paramref name="graph"/> whatever the
        /// current variable scope. Pass it to <see cref="Optimizer.Minimize"/> to count training steps.
        /// </summary>
        /// <param name="graph">The graph (default: <see cref="Graph.Default"/>).</param>
        /// <returns>The new variable.</returns>
        /// <exception cref="InvalidOperationException">The graph already has a global step.</exception>
        public static Variable CreateGlobalStep(Graph? graph = null)
        {
            var root = (graph ?? Graph.Default).Root;
            if (root.HasVariable(GlobalStepName))
                throw new InvalidOperationException($"Tf.Train.CreateGlobalStep: '{GlobalStepName}' already exists.");
            using var clear = root.ClearControlDependencies();
            return StateOps.CreateVariable(root, GlobalStepName, Recur.Shape.Scalar, DType.Int64, Initializers.Zeros(), trainable: false);
        }

        /// <summary>
        /// The global step of <paramref name="graph"/>, or null when there is none (TF:
        /// <c>tf.compat.v1.train.get_global_step</c>): the variable named <c>global_step</c>.
        /// </summary>
        /// <param name="graph">The graph (default: <see cref="Graph.Default"/>).</param>
        /// <exception cref="InvalidOperationException">A variable named <c>global_step</c> exists but is not an
        /// integer scalar.</exception>
        public static Variable? GetGlobalStep(Graph? graph = null)
        {
            var root = (graph ?? Graph.Default).Root;
            if (!root.TryGetVariable(GlobalStepName, out var v)) return null;
            if (v.DType is not (DType.Int32 or DType.Int64) || v.Shape.Rank != 0)
                throw new InvalidOperationException(
                    $"Tf.Train.GetGlobalStep: '{GlobalStepName}' must be an Int32 or Int64 scalar, but has dtype {v.DType} and shape {v.Shape}.");
            return v;
        }

        /// <summary>The global step, created when missing (TF: <c>tf.compat.v1.train.get_or_create_global_step</c>).</summary>
        /// <param name="graph">The graph (default: <see cref="Graph.Default"/>).</param>
        /// <exception cref="InvalidOperationException">A variable named <c>global_step</c> exists but is not an integer scalar.</exception>
        public static Variable GetOrCreateGlobalStep(Graph? graph = null) => GetGlobalStep(graph) ?? CreateGlobalStep(graph);

        /// <summary>The current value of a global-step variable in <paramref name="session"/> (TF: <c>tf.train.global_step(sess, t)</c>).</summary>
        /// <param name="session">A session where the step is initialized.</param>
        /// <param name="globalStep">An Int32 or Int64 scalar variable.</param>
        /// <exception cref="InvalidOperationException">The variable is not initialized in the session.</exception>
        public static long GlobalStep(Session session, Variable globalStep)
        {
            ArgumentNullException.ThrowIfNull(session);
            ArgumentNullException.ThrowIfNull(globalStep);
            return (long)session.Run(globalStep.Value).GetDouble(0);
        }
    }
}

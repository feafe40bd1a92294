namespace Recur;

public static partial class Tf
{
    /// <summary>TF's <c>tf.nn</c> namespace: activations, softmax, bias-add, and (in other parts) the RNN drivers.</summary>
    public static partial class Nn
    {
        /// <summary>
        /// Rectified linear unit <c>max(x, 0)</c> (TF: <c>tf.nn.relu</c>). Has no optional parameters, so it converts to
        /// an activation delegate: <c>Func&lt;Tensor, Tensor&gt; act = Tf.Nn.Relu;</c>.
        /// </summary>
        /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
        /// <returns>The shape and dtype of x.</returns>
        /// <exception cref="ArgumentException">x is not numeric.</exception>
        public static Tensor Relu(Tensor x) => UnaryOps.Build("Relu", x, null);

        /// <summary>Rectified linear unit with an explicit op name (TF: <c>tf.nn.relu(x, name)</c>).</summary>
        /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
        /// <param name="name">Op name (default <c>Relu</c>).</param>
        /// <returns>The shape and dtype of x.</returns>
        /// <exception cref="ArgumentException">x is not numeric.</exception>
        public static Tensor Relu(Tensor x, string? name) => UnaryOps.Build("Relu", x, name);

        /// <summary>
        /// Hyperbolic tangent (TF: <c>tf.nn.tanh</c>, the default RNN activation). Usable as an activation delegate:
        /// <c>new BasicRnnCell(8, Tf.Nn.Tanh)</c>.
        /// </summary>
        /// <param name="x">Any shape; Float32 or Float64.</param>
        /// <returns>The shape and dtype of x.</returns>
        /// <exception cref="ArgumentException">x is not floating point.</exception>
        public static Tensor Tanh(Tensor x) => UnaryOps.Build("Tanh", x, null);

        /// <summary>Hyperbolic tangent with an explicit op name (TF: <c>tf.nn.tanh(x, name)</c>).</summary>
        /// <param name="x">Any shape; Float32 or Float64.</param>
        /// <param name="name">Op name (default <c>Tanh</c>).</param>
        /// <returns>The shape and dtype of x.</returns>
        /// <exception cref="ArgumentException">x is not floating point.</exception>
        public static Tensor Tanh(Tensor x, string? name) => UnaryOps.Build("Tanh", x, name);

        /// <summary>Logistic sigmoid <c>1 / (1 + e^-x)</c> (TF: <c>tf.nn.sigmoid</c>). Usable as an activation delegate.</summary>
        /// <param name="x">Any shape; Float32 or Float64.</param>
        /// <returns>The shape and dtype of x.</returns>
        /// <exception cref="ArgumentException">x is not floating point.</exception>
        public static Tensor Sigmoid(Tensor x) => UnaryOps.Build("Sigmoid", x, null);

        /// <summary>Logistic sigmoid with an explicit op name (TF: <c>tf.nn.sigmoid(x, name)</c>).</summary>
        /// <param name="x">Any shape; Float32 or Float64.</param>
        /// <param name="name">Op name (default <c>Sigmoid</c>).</param>
        /// <returns>The shape and dtype of x.</returns>
        /// <exception cref="ArgumentException">x is not floating point.</exception>
        public static Tensor Sigmoid(Tensor x, string? name) => UnaryOps.Build("Sigmoid", x, name);
    }
}

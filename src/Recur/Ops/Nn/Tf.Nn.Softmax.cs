namespace Recur;

public static partial class Tf
{
    public static partial class Nn
    {
        /// <summary>
        /// Softmax over the last axis (TF: <c>tf.nn.softmax</c>): <c>y_j = e^(x_j - max x) / Σ_i e^(x_i - max x)</c>.
        /// </summary>
        /// <param name="logits">(…, classes); Float32 or Float64; rank ≥ 1.</param>
        /// <returns>The shape of logits; each row sums to 1.</returns>
        /// <exception cref="ArgumentException">logits is not floating point or is a scalar.</exception>
        public static Tensor Softmax(Tensor logits) => SoftmaxOps.Build("Softmax", logits, null);

        /// <summary>Softmax over the last axis with an explicit op name (TF: <c>tf.nn.softmax(logits, name=…)</c>).</summary>
        /// <param name="logits">(…, classes); Float32 or Float64; rank ≥ 1.</param>
        /// <param name="name">Op name (default <c>Softmax</c>).</param>
        /// <returns>The shape of logits.</returns>
        /// <exception cref="ArgumentException">logits is not floating point or is a scalar.</exception>
        public static Tensor Softmax(Tensor logits, string? name) => SoftmaxOps.Build("Softmax", logits, name);

        /// <summary>
        /// Log-softmax over the last axis (TF: <c>tf.nn.log_softmax</c>):
        /// <c>y_j = x_j - max x - log Σ_i e^(x_i - max x)</c>.
        /// </summary>
        /// <param name="logits">(…, classes); Float32 or Float64; rank ≥ 1.</param>
        /// <returns>The shape of logits.</returns>
        /// <exception cref="ArgumentException">logits is not floating point or is a scalar.</exception>
        public static Tensor LogSoftmax(Tensor logits) => SoftmaxOps.Build("LogSoftmax", logits, null);

        /// <summary>Log-softmax over the last axis with an explicit op name (TF: <c>tf.nn.log_softmax(logits, name=…)</c>).</summary>
        /// <param name="logits">(…, classes); Float32 or Float64; rank ≥ 1.</param>
        /// <param name="name">Op name (default <c>LogSoftmax</c>).</param>
        /// <returns>The shape of logits.</returns>
        /// <exception cref="ArgumentException">logits is not floating point or is a scalar.</exception>
        public static Tensor LogSoftmax(Tensor logits, string? name) => SoftmaxOps.Build("LogSoftmax", logits, name);

        /// <summary>
        /// Adds a bias vector over the last dimension (TF: <c>tf.nn.bias_add</c>, NHWC): <c>y[…, j] = value[…, j] + bias[j]</c>.
        /// </summary>
        /// <param name="value">(…, channels), rank ≥ 2; Float32, Float64, Int32 or Int64.</param>
        /// <param name="bias">(channels,); same dtype.</param>
        /// <param name="name">Op name (default <c>BiasAdd</c>).</param>
        /// <returns>The shape of value.</returns>
        /// <exception cref="ArgumentException">Dtypes differ or are not numeric, value has rank &lt; 2, bias is not rank 1,
        /// or the channel counts differ (checked again at run time).</exception>
        /// <example><code>var z = Tf.Nn.BiasAdd(Tf.MatMul(x, kernel), bias);</code></example>
        public static Tensor BiasAdd(Tensor value, Tensor bias, string? name = null) => BiasAddOp.Build(value, bias, name);
    }
}

namespace Recur;

public sealed partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting (TF: <c>tf.add</c>).</summary>
    public static Tensor operator +(Tensor x, Tensor y) => Tf.Add(x, y);
    /// <summary>Element-wise difference with broadcasting (TF: <c>tf.subtract</c>).</summary>
    public static Tensor operator -(Tensor x, Tensor y) => Tf.Subtract(x, y);
    /// <summary>Element-wise product with broadcasting (TF: <c>tf.multiply</c>).</summary>
    public static Tensor operator *(Tensor x, Tensor y) => Tf.Multiply(x, y);
    /// <summary>Element-wise quotient with broadcasting (TF: <c>tf.divide</c>).</summary>
    public static Tensor operator /(Tensor x, Tensor y) => Tf.Divide(x, y);
    /// <summary>Negation (TF: <c>tf.negative</c>).</summary>
    public static Tensor operator -(Tensor x) => Tf.Negative(x);
    /// <summary>Tensor plus a scalar of the tensor's dtype.</summary>
    public static Tensor operator +(Tensor x, double y) => Tf.Add(x, Tf.ScalarLike(x, y));
    /// <summary>Scalar plus a tensor.</summary>
    public static Tensor operator +(double x, Tensor y) => Tf.Add(Tf.ScalarLike(y, x), y);
    /// <summary>Tensor minus a scalar.</summary>
    public static Tensor operator -(Tensor x, double y) => Tf.Subtract(x, Tf.ScalarLike(x, y));
    /// <summary>Scalar minus a tensor.</summary>
    public static Tensor operator -(double x, Tensor y) => Tf.Subtract(Tf.ScalarLike(y, x), y);
    /// <summary>Tensor times a scalar.</summary>
    public static Tensor operator *(Tensor x, double y) => Tf.Multiply(x, Tf.ScalarLike(x, y));
    /// <summary>Scalar times a tensor.</summary>
    public static Tensor operator *(double x, Tensor y) => Tf.Multiply(Tf.ScalarLike(y, x), y);
    /// <summary>Tensor divided by a scalar.</summary>
    public static Tensor operator /(Tensor x, double y) => Tf.Divide(x, Tf.ScalarLike(x, y));
    /// <summary>Scalar divided by a tensor.</summary>
    public static Tensor operator /(double x, Tensor y) => Tf.Divide(Tf.ScalarLike(y, x), y);
    /// <summary>Element-wise x &lt; y (TF: <c>tf.less</c>).</summary>
    public static Tensor operator <(Tensor x, Tensor y) => Tf.Less(x, y);
    /// <summary>Element-wise x &gt; y (TF: <c>tf.greater</c>).</summary>
    public static Tensor operator >(Tensor x, Tensor y) => Tf.Greater(x, y);
    /// <summary>Element-wise x &lt; scalar.</summary>
    public static Tensor operator <(Tensor x, double y) => Tf.Less(x, Tf.ScalarLike(x, y));
    /// <summary>Element-wise x &gt; scalar.</summary>
    public static Tensor operator >(Tensor x, double y) => Tf.Greater(x, Tf.ScalarLike(x, y));
}

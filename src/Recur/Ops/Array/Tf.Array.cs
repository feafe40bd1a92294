namespace Recur;

public static partial class Tf
{
    /// <summary>
    /// Concatenates tensors along an existing axis (TF: <c>tf.concat(values, axis)</c>).
    /// </summary>
    /// <remarks>
    /// Every value has the same dtype and rank r ≥ 1 and the same dimensions except along <paramref name="axis"/>
    /// (in [-r, r)); the result's axis dimension is the sum of theirs. Dimensions unknown at build time are checked
    /// when the graph runs.
    /// </remarks>
    /// <exception cref="ArgumentException">No values; dtypes, ranks or non-axis dimensions differ; scalars; axis out of range.</exception>
    /// <example><code>var y = Tf.Concat(new[] { a, b }, axis: 1);   // (2, 3) and (2, 4) → (2, 7)</code></example>
    public static Tensor Concat(IReadOnlyList<Tensor> values, int axis, string? name = null) => ConcatSplitOps.Concat(values, axis, name);

    /// <summary>
    /// Splits <paramref name="x"/> into <paramref name="numSplit"/> equal pieces along <paramref name="axis"/>
    /// (TF: <c>tf.split(x, num_or_size_splits=numSplit, axis)</c>).
    /// </summary>
    /// <remarks>The axis dimension must be divisible by <paramref name="numSplit"/>; each piece has dimension dim / numSplit.</remarks>
    /// <exception cref="ArgumentException">numSplit &lt; 1, x is a scalar, axis out of range, or the dimension is not divisible.</exception>
    /// <example><code>var gates = Tf.Split(z, 4, axis: 1);   // (b, 4u) → four (b, u)</code></example>
    public static Tensor[] Split(Tensor x, int numSplit, int axis = 0, string? name = null) => ConcatSplitOps.Split(x, numSplit, axis, name);

    /// <summary>
    /// Splits <paramref name="x"/> into pieces of the given <paramref name="sizes"/> along <paramref name="axis"/>
    /// (TF: <c>tf.split(x, num_or_size_splits=sizes, axis)</c>). One size may be -1: whatever remains.
    /// </summary>
    /// <exception cref="ArgumentException">More than one -1, a size below -1, or sizes that do not add up to the dimension.</exception>
    /// <example><code>var parts = Tf.Split(x, new[] { 2, -1 }, axis: 1);   // (b, 5) → (b, 2), (b, 3)</code></example>
    public static Tensor[] Split(Tensor x, int[] sizes, int axis = 0, string? name = null) => ConcatSplitOps.SplitV(x, sizes, axis, name);

    /// <summary>
    /// Stacks tensors of equal shape along a new axis (TF: <c>tf.stack(values, axis)</c>): N tensors of shape
    /// (A, B) stacked at axis 1 give (A, N, B). <paramref name="axis"/> is in [-(r+1), r].
    /// </summary>
    /// <exception cref="ArgumentException">No values, or dtypes or shapes differ, or axis out of range.</exception>
    /// <example><code>var seq = Tf.Stack(outputs, axis: 1);   // T × (batch, units) → (batch, T, units)</code></example>
    public static Tensor Stack(IReadOnlyList<Tensor> values, int axis = 0, string? name = null) => StackOps.Stack(values, axis, name);

    /// <summary>
    /// Splits <paramref name="x"/> into its slices along <paramref name="axis"/>, removing that axis (TF:
    /// <c>tf.unstack(x, axis=axis)</c>). The number of slices is the static dimension, which must be known.
    /// </summary>
    /// <exception cref="ArgumentException">The rank or the axis dimension is unknown at build time, x is a scalar, or axis is out of range.</exception>
    /// <example><code>Tensor[] steps = Tf.Unstack(inputs, axis: 1);   // (batch, T, d) → T × (batch, d)</code></example>
    public static Tensor[] Unstack(Tensor x, int axis = 0, string? name = null) => StackOps.Unstack(x, axis, name);

    /// <summary>
    /// Permutes the dimensions of <paramref name="x"/> (TF: <c>tf.transpose(x, perm)</c>): result dimension i is
    /// x's dimension perm[i].
    /// </summary>
    /// <exception cref="ArgumentException">perm is not a permutation of 0..rank-1.</exception>
    /// <example><code>var timeMajor = Tf.Transpose(x, new[] { 1, 0, 2 });   // (batch, time, d) → (time, batch, d)</code></example>
    public static Tensor Transpose(Tensor x, int[] perm, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(perm);
        return TransposeOps.Transpose(x, perm, name);
    }

    /// <summary>Reverses the order of the dimensions of <paramref name="x"/> (TF: <c>tf.transpose(x)</c> without perm); a matrix is transposed.</summary>
    public static Tensor Transpose(Tensor x, string? name = null) => TransposeOps.Transpose(x, null, name);

    /// <summary>
    /// The same elements with another shape (TF: <c>tf.reshape(x, shape)</c>). One entry may be -1: it is inferred
    /// so that the element count is unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">More than one -1, a negative entry, or an element count that cannot match.</exception>
    /// <example><code>var flat = Tf.Reshape(x, new[] { -1, 8 });   // (b, t, 8) → (b·t, 8)</code></example>
    public static Tensor Reshape(Tensor x, int[] shape, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return ReshapeOps.Reshape(x, ArrayUtil.IntConst(shape, "Reshape/shape"), name);
    }

    /// <summary>
    /// Reshape with a shape computed at run time (TF: <c>tf.reshape(x, shape_tensor)</c>): <paramref name="shape"/>
    /// is an Int32 or Int64 vector, with at most one -1.
    /// </summary>
    /// <exception cref="ArgumentException">shape is not an integer vector; when its value is known, as for the int[] overload.</exception>
    /// <example><code>var back = Tf.Reshape(flat, Tf.Shape(x));</code></example>
    public static Tensor Reshape(Tensor x, Tensor shape, string? name = null) => ReshapeOps.Reshape(x, shape, name);

    /// <summary>
    /// Inserts a dimension of size 1 at <paramref name="axis"/> (TF: <c>tf.expand_dims</c>); axis is in
    /// [-(r+1), r], so -1 appends a dimension.
    /// </summary>
    /// <exception cref="ArgumentException">axis is out of range.</exception>
    /// <example><code>var col = Tf.ExpandDims(v, -1);   // (n,) → (n, 1)</code></example>
    public static Tensor ExpandDims(Tensor x, int axis, string? name = null) => ReshapeOps.ExpandDims(x, axis, name);

    /// <summary>
    /// Removes dimensions of size 1 (TF: <c>tf.squeeze(x, axis)</c>): those listed in <paramref name="axis"/>, or all
    /// of them when null. With no axis and dimensions unknown at build time, the static rank is unknown.
    /// </summary>
    /// <exception cref="ArgumentException">A listed dimension is out of range or is not 1.</exception>
    /// <example><code>var v = Tf.Squeeze(x, new[] { 1 });   // (n, 1) → (n,)</code></example>
    public static Tensor Squeeze(Tensor x, int[]? axis = null, string? name = null) => ReshapeOps.Squeeze(x, axis, name);

    /// <summary>
    /// The run-time shape of <paramref name="x"/> as a vector (TF: <c>tf.shape(x, out_type)</c>); Int32 by default.
    /// Inside <see cref="Tf"/> this method hides the type, so code there writes <see cref="Recur.Shape"/> in full.
    /// </summary>
    /// <exception cref="ArgumentException">outType is not Int32 or Int64.</exception>
    /// <example><code>var batch = Tf.StridedSlice(Tf.Shape(x), new[] { 0 }, new[] { 1 }, new[] { 1 }, shrinkAxisMask: 1);</code></example>
    public static Tensor Shape(Tensor x, DType outType = DType.Int32, string? name = null) => ShapeOps.Shape(x, outType, name);

    /// <summary>The number of elements of <paramref name="x"/> as a scalar (TF: <c>tf.size</c>); Int32 by default.</summary>
    /// <exception cref="ArgumentException">outType is not Int32 or Int64.</exception>
    public static Tensor Size(Tensor x, DType outType = DType.Int32, string? name = null) => ShapeOps.Size(x, outType, name);

    /// <summary>The rank of <paramref name="x"/> as an Int32 scalar (TF: <c>tf.rank</c>).</summary>
    public static Tensor Rank(Tensor x, string? name = null) => ShapeOps.Rank(x, name);

    /// <summary>
    /// A tensor of run-time shape <paramref name="dims"/> (an Int32 or Int64 vector) filled with the scalar
    /// <paramref name="value"/> (TF: <c>tf.fill(dims, value)</c>); the dtype is value's.
    /// </summary>
    /// <exception cref="ArgumentException">dims is not an integer vector, value is not a scalar, or a dim is negative.</exception>
    /// <example><code>var h0 = Tf.Fill(Tf.Stack(new[] { batch, Tf.Constant(16) }), Tf.Constant(0f));</code></example>
    public static Tensor Fill(Tensor dims, Tensor value, string? name = null) => FillOps.Fill(dims, value, name);

    /// <summary>A tensor of zeros of a fixed shape (TF: <c>tf.zeros(shape, dtype)</c>); false for Bool.</summary>
    /// <exception cref="ArgumentException">The shape is not fully defined (use the Tensor overload for run-time shapes).</exception>
    public static Tensor Zeros(Recur.Shape shape, DType dtype = DType.Float32, string? name = null) => Fill(shape, 0, dtype, name ?? "zeros");

    /// <summary>A tensor of zeros of run-time shape <paramref name="dims"/>, an Int32 or Int64 vector (TF: <c>tf.zeros(shape_tensor, dtype)</c>).</summary>
    /// <exception cref="ArgumentException">dims is not an integer vector.</exception>
    /// <example><code>var state = Tf.Zeros(Tf.Stack(new[] { batchSize, Tf.Constant(16) }), DType.Float32);</code></example>
    public static Tensor Zeros(Tensor dims, DType dtype = DType.Float32, string? name = null) =>
        FillOps.Fill(dims, StateOps.Const(NDArray.Scalar(0, dtype), "zeros/Const"), name ?? "zeros");

    /// <summary>A tensor of ones of a fixed shape (TF: <c>tf.ones(shape, dtype)</c>); true for Bool.</summary>
    /// <exception cref="ArgumentException">The shape is not fully defined (use the Tensor overload for run-time shapes).</exception>
    public static Tensor Ones(Recur.Shape shape, DType dtype = DType.Float32, string? name = null) => Fill(shape, 1, dtype, name ?? "ones");

    /// <summary>A tensor of ones of run-time shape <paramref name="dims"/>, an Int32 or Int64 vector (TF: <c>tf.ones(shape_tensor, dtype)</c>).</summary>
    /// <exception cref="ArgumentException">dims is not an integer vector.</exception>
    public static Tensor Ones(Tensor dims, DType dtype = DType.Float32, string? name = null) =>
        FillOps.Fill(dims, StateOps.Const(NDArray.Scalar(1, dtype), "ones/Const"), name ?? "ones");

    /// <summary>Zeros with the run-time shape and the dtype of <paramref name="x"/> (TF: <c>tf.zeros_like</c>).</summary>
    public static Tensor ZerosLike(Tensor x, string? name = null) => FillOps.ZerosLike(x, name);

    /// <summary>Ones with the run-time shape and the dtype of <paramref name="x"/> (TF: <c>tf.ones_like</c>).</summary>
    public static Tensor OnesLike(Tensor x, string? name = null) => FillOps.OnesLike(x, name);

    /// <summary>
    /// The sequence start, start + delta, … up to but excluding <paramref name="limit"/> (TF:
    /// <c>tf.range(start, limit, delta)</c>); the three scalars share one numeric dtype, which the result has.
    /// Length: ⌈(limit − start) / delta⌉.
    /// </summary>
    /// <exception cref="ArgumentException">Dtypes differ or are not numeric, an argument is not a scalar, delta is 0, or delta's sign points away from limit.</exception>
    public static Tensor Range(Tensor start, Tensor limit, Tensor delta, string? name = null) => FillOps.Range(start, limit, delta, name);

    /// <summary>0, 1, …, limit − 1 in <paramref name="limit"/>'s dtype (TF: <c>tf.range(limit)</c>).</summary>
    /// <exception cref="ArgumentException">limit is not a numeric scalar, or is negative.</exception>
    /// <example><code>var t = Tf.Range(Tf.Size(x));</code></example>
    public static Tensor Range(Tensor limit, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(limit);
        if (!limit.DType.IsNumeric())
            throw new ArgumentException($"Range: limit must be numeric, but '{limit.Name}' has dtype {limit.DType}.", nameof(limit));
        return FillOps.Range(StateOps.Const(NDArray.Scalar(0, limit.DType), "range/start"), limit,
            StateOps.Const(NDArray.Scalar(1, limit.DType), "range/delta"), name);
    }

    /// <summary>The Int32 sequence start, start + delta, … below <paramref name="limit"/> (TF: <c>tf.range(start, limit, delta)</c>).</summary>
    /// <exception cref="ArgumentException">delta is 0, or its sign points away from limit.</exception>
    /// <example><code>var idx = Tf.Range(0, 10, 2);   // [0, 2, 4, 6, 8]</code></example>
    public static Tensor Range(int start, int limit, int delta = 1, string? name = null) =>
        FillOps.Range(StateOps.Const(NDArray.Scalar(start), "range/start"), StateOps.Const(NDArray.Scalar(limit), "range/limit"),
            StateOps.Const(NDArray.Scalar(delta), "range/delta"), name);

    /// <summary>The Int32 sequence 0, 1, …, limit − 1 (TF: <c>tf.range(limit)</c>).</summary>
    /// <exception cref="ArgumentException">limit is negative.</exception>
    public static Tensor Range(int limit, string? name = null) => Range(0, limit, 1, name);

    /// <summary>
    /// The floating-point (or integer) sequence start, start + delta, … below <paramref name="limit"/> in
    /// <paramref name="dtype"/> (TF: <c>tf.range(start, limit, delta, dtype)</c>).
    /// </summary>
    /// <exception cref="ArgumentException">dtype is not numeric, delta is 0, or its sign points away from limit.</exception>
    /// <example><code>var t = Tf.Range(0.0, 1.0, 0.25, DType.Float64);   // [0, 0.25, 0.5, 0.75]</code></example>
    public static Tensor Range(double start, double limit, double delta, DType dtype, string? name = null)
    {
        if (!dtype.IsNumeric())
            throw new ArgumentException($"Range: dtype must be numeric, but got {dtype}.", nameof(dtype));
        return FillOps.Range(StateOps.Const(NDArray.Scalar(start, dtype), "range/start"), StateOps.Const(NDArray.Scalar(limit, dtype), "range/limit"),
            StateOps.Const(NDArray.Scalar(delta, dtype), "range/delta"), name);
    }

    /// <summary>
    /// The box of <paramref name="x"/> starting at <paramref name="begin"/> with extent <paramref name="size"/> (TF:
    /// <c>tf.slice(x, begin, size)</c>); a size of -1 takes everything to the end of that dimension.
    /// </summary>
    /// <exception cref="ArgumentException">begin or size does not have one entry per dimension, or the box does not fit.</exception>
    /// <example><code>var tail = Tf.Slice(x, new[] { 0, 2 }, new[] { -1, -1 });   // x[:, 2:]</code></example>
    public static Tensor Slice(Tensor x, int[] begin, int[] size, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(begin);
        ArgumentNullException.ThrowIfNull(size);
        return SliceOps.Slice(x, ArrayUtil.IntConst(begin, "Slice/begin"), ArrayUtil.IntConst(size, "Slice/size"), name);
    }

    /// <summary>Slice with begin and size computed at run time (Int32 or Int64 vectors) (TF: <c>tf.slice</c>).</summary>
    /// <exception cref="ArgumentException">begin or size is not an integer vector; when their values are known, as for the int[] overload.</exception>
    public static Tensor Slice(Tensor x, Tensor begin, Tensor size, string? name = null) => SliceOps.Slice(x, begin, size, name);

    /// <summary>
    /// numpy-style basic indexing (TF: <c>tf.strided_slice</c>, what <c>x[1:, ::-1, t]</c> builds). Entry i of
    /// begin/end/strides slices one dimension, Python-style: negative indices count from the end, out-of-range bounds
    /// are clamped, negative strides walk backwards. Bit i of <paramref name="beginMask"/> / <paramref name="endMask"/>
    /// ignores begin[i] / end[i] (the full range); of <paramref name="shrinkAxisMask"/> takes the single index
    /// begin[i] and removes the dimension; of <paramref name="newAxisMask"/> inserts a dimension of 1; of
    /// <paramref name="ellipsisMask"/> stands for all the dimensions not otherwise named. Dimensions after the
    /// listed entries are kept whole.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, a stride is 0, a shrunk index is out of bounds, or there are too many indices.</exception>
    /// <example><code>// x[:, t] for x of shape (batch, time, d): (batch, d)
    /// var xt = Tf.StridedSlice(x, new[] { 0, t }, new[] { 0, t + 1 }, new[] { 1, 1 }, beginMask: 1, endMask: 1, shrinkAxisMask: 2);</code></example>
    public static Tensor StridedSlice(Tensor x, int[] begin, int[] end, int[]? strides = null, int beginMask = 0, int endMask = 0,
        int ellipsisMask = 0, int newAxisMask = 0, int shrinkAxisMask = 0, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(begin);
        if (strides is null)
        {
            strides = new int[begin.Length];
            Array.Fill(strides, 1);
        }
        return SliceOps.StridedSlice(x, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask, name);
    }

    /// <summary>
    /// Gathers slices of <paramref name="parameters"/> along <paramref name="axis"/> at <paramref name="indices"/>
    /// (Int32 or Int64) (TF: <c>tf.gather(params, indices, axis)</c>). Result shape: params.shape[:axis] +
    /// indices.shape + params.shape[axis+1:].
    /// </summary>
    /// <exception cref="ArgumentException">Bad dtypes, a scalar params or axis out of range; at run time, an index outside [0, params.shape[axis]).</exception>
    /// <example><code>var emb = Tf.Gather(embeddings, wordIds);   // (vocab, d) and (b, t) → (b, t, d)</code></example>
    public static Tensor Gather(Tensor parameters, Tensor indices, int axis = 0, string? name = null) => GatherOps.Gather(parameters, indices, axis, name);

    /// <summary>
    /// Picks from <paramref name="x"/> where <paramref name="condition"/> (Bool) is true and from <paramref name="y"/>
    /// elsewhere (TF2: <c>tf.where(condition, x, y)</c>). condition, x and y broadcast numpy-style; as in TF1's
    /// <c>tf.where</c>, a rank-1 condition with values of rank &gt; 1 picks whole rows (its length is the first dimension).
    /// </summary>
    /// <exception cref="ArgumentException">condition is not Bool, x and y differ in dtype, or the shapes do not broadcast.</exception>
    /// <example><code>var output = Tf.Where(Tf.Less(t, seqLen), newOutput, zeros);   // per-row (batch,) condition</code></example>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y, string? name = null) => SelectOps.Select(condition, x, y, name);

    /// <summary>
    /// The coordinates of the true (for numeric dtypes, non-zero) elements of <paramref name="condition"/> in row-major
    /// order, as an Int64 tensor of shape (count, rank) (TF: <c>tf.where(condition)</c>).
    /// </summary>
    public static Tensor Where(Tensor condition, string? name = null) => SelectOps.Where(condition, name);

    /// <summary>
    /// Repeats <paramref name="x"/> multiples[i] times along dimension i (TF: <c>tf.tile(x, multiples)</c>).
    /// </summary>
    /// <exception cref="ArgumentException">multiples does not have one non-negative entry per dimension.</exception>
    /// <example><code>var rep = Tf.Tile(v, new[] { 3 });   // [1, 2] → [1, 2, 1, 2, 1, 2]</code></example>
    public static Tensor Tile(Tensor x, int[] multiples, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(multiples);
        return TileReverseOps.Tile(x, ArrayUtil.IntConst(multiples, "Tile/multiples"), name);
    }

    /// <summary>Tile with multiples computed at run time (an Int32 or Int64 vector) (TF: <c>tf.tile</c>).</summary>
    /// <exception cref="ArgumentException">multiples is not an integer vector; when its value is known, as for the int[] overload.</exception>
    public static Tensor Tile(Tensor x, Tensor multiples, string? name = null) => TileReverseOps.Tile(x, multiples, name);

    /// <summary>Reverses <paramref name="x"/> along each listed dimension (TF: <c>tf.reverse(x, axis)</c>).</summary>
    /// <exception cref="ArgumentException">An axis is out of range or listed twice.</exception>
    /// <example><code>var backwards = Tf.Reverse(inputs, new[] { 1 });   // reverse time in (batch, time, d)</code></example>
    public static Tensor Reverse(Tensor x, int[] axis, string? name = null) => TileReverseOps.Reverse(x, axis, name);

    /// <summary>
    /// Reverses variable-length sequences (TF: <c>tf.reverse_sequence(input, seq_lengths, seq_axis, batch_axis)</c>):
    /// for batch entry b (along <paramref name="batchAxis"/>), the first seqLengths[b] elements along
    /// <paramref name="seqAxis"/> are reversed and the rest are copied unchanged. This is how the bidirectional RNNs
    /// run the backward direction.
    /// </summary>
    /// <exception cref="ArgumentException">seqLengths is not an integer vector of batch length, the axes coincide or are out of range; at run time, a length is negative or greater than the sequence dimension.</exception>
    /// <example><code>var rev = Tf.ReverseSequence(inputs, seqLen, seqAxis: 1, batchAxis: 0);   // (batch, time, d)</code></example>
    public static Tensor ReverseSequence(Tensor input, Tensor seqLengths, int seqAxis, int batchAxis = 0, string? name = null) =>
        TileReverseOps.ReverseSequence(input, seqLengths, seqAxis, batchAxis, name);

    /// <summary>
    /// One-hot encoding (TF: <c>tf.one_hot(indices, depth, on_value, off_value, axis, dtype)</c>): a new dimension of
    /// size <paramref name="depth"/> at <paramref name="axis"/> (-1: last) holding onValue at the index and offValue
    /// elsewhere; indices outside [0, depth) give all offValue.
    /// </summary>
    /// <exception cref="ArgumentException">indices is not Int32/Int64, depth is negative, or axis is out of range.</exception>
    /// <example><code>var labels = Tf.OneHot(ids, 10);   // (b,) → (b, 10)</code></example>
    public static Tensor OneHot(Tensor indices, int depth, double onValue = 1, double offValue = 0, int axis = -1,
        DType dtype = DType.Float32, string? name = null) => GatherOps.OneHot(indices, depth, onValue, offValue, axis, dtype, name);

    /// <summary>
    /// Pads with a constant (TF: <c>tf.pad(x, paddings, constant_values=…)</c>): dimension i gets paddings[i, 0]
    /// values before and paddings[i, 1] after.
    /// </summary>
    /// <exception cref="ArgumentException">paddings is not (rank, 2) or has a negative entry.</exception>
    /// <example><code>var padded = Tf.Pad(x, new[,] { { 0, 0 }, { 1, 2 } });   // (b, t) → (b, t + 3)</code></example>
    public static Tensor Pad(Tensor x, int[,] paddings, double constantValue = 0, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(paddings);
        if (paddings.GetLength(1) != 2)
            throw new ArgumentException($"Pad: paddings must have shape (rank, 2), but has shape ({paddings.GetLength(0)}, {paddings.GetLength(1)}).", nameof(paddings));
        var p = StateOps.Const(NDArray.FromArray(paddings), "Pad/paddings");
        return SliceOps.Pad(x, p, constantValue, name);
    }

    /// <summary>Pad with paddings computed at run time (an Int32 or Int64 tensor of shape (rank, 2)) (TF: <c>tf.pad</c>).</summary>
    /// <exception cref="ArgumentException">paddings is not an integer (rank, 2) tensor.</exception>
    public static Tensor Pad(Tensor x, Tensor paddings, double constantValue = 0, string? name = null) => SliceOps.Pad(x, paddings, constantValue, name);
}

namespace Recur;

/// <summary>
/// The run-time value behind a <see cref="TensorArray"/> handle: an immutable list of element arrays (null = never
/// written, reads as zeros where the shape is known). Backed by a persistent tree, so a write is O(log n) and every
/// earlier handle keeps its own contents (TF's flow semantics) without copying the list.
/// </summary>
internal sealed class TensorList
{
    private readonly System.Collections.Immutable.ImmutableList<NDArray?> _items;

    private TensorList(System.Collections.Immutable.ImmutableList<NDArray?> items, DType elementDType, Shape elementShape, bool dynamicSize,
        Shape? itemShape, int[]? written)
    {
        _items = items;
        ElementDType = elementDType;
        ElementShape = elementShape;
        DynamicSize = dynamicSize;
        ItemShape = itemShape;
        Written = written;
    }

    /// <summary>A list of <paramref name="count"/> unwritten items.</summary>
    public static TensorList Empty(int count, DType elementDType, Shape elementShape, bool dynamicSize) =>
        new(System.Collections.Immutable.ImmutableList.CreateRange(new NDArray?[count]), elementDType, elementShape, dynamicSize, null, Array.Empty<int>());

    /// <summary>A list holding <paramref name="items"/>.</summary>
    public static TensorList From(IEnumerable<NDArray?> items, DType elementDType, Shape elementShape, bool dynamicSize)
    {
        var list = System.Collections.Immutable.ImmutableList.CreateRange(items);
        var shape = list.FirstOrDefault(i => i is not null)?.Shape;
        return new TensorList(list, elementDType, elementShape, dynamicSize, shape, null);
    }

    public int Count => _items.Count;

    public NDArray? this[int index] => _items[index];

    public IEnumerable<NDArray?> Items => _items;

    public DType ElementDType { get; }

    public Shape ElementShape { get; }

    public bool DynamicSize { get; }

    /// <summary>The concrete shape every written item has (null before the first write).</summary>
    public Shape? ItemShape { get; }

    /// <summary>The written indices when few are known (null: scan all items).</summary>
    public int[]? Written { get; }

    /// <summary>The same list with item <paramref name="index"/> replaced (growing with unwritten items if needed).</summary>
    public TensorList With(int index, NDArray? value)
    {
        var items = _items;
        if (index >= items.Count) items = items.AddRange(new NDArray?[index + 1 - items.Count]);
        items = items.SetItem(index, value);
        int[]? written = Written is null ? null : Written.Length < 16 ? Written.Append(index).Distinct().ToArray() : null;
        return new TensorList(items, ElementDType, value is null ? ElementShape : ElementShape.MergeWith(value.Shape), DynamicSize,
            value?.Shape ?? ItemShape, written);
    }

    /// <summary>A list of the same length and metadata with no items written.</summary>
    public TensorList Cleared() => Empty(Count, ElementDType, ElementShape, DynamicSize);

    /// <summary>The indices of written items.</summary>
    public IEnumerable<int> WrittenIndices()
    {
        if (Written is not null)
        {
            foreach (int i in Written) if (_items[i] is not null) yield return i;
            yield break;
        }
        int k = 0;
        foreach (var it in _items)
        {
            if (it is not null) yield return k;
            k++;
        }
    }
}

/// <summary>
/// A list of tensors written and read per step inside loops. TF equivalent: <c>tf.TensorArray</c> (TF2: a
/// TensorList variant). Operations return a new <see cref="TensorArray"/> (TF's flow semantics): always use the
/// returned value, e.g. <c>ta = ta.Write(t, x)</c>. The element shape is inferred from writes when not given.
/// </summary>
/// <example><code>var ta = new TensorArray(DType.Float32, size: Tf.Shape(x)[0]);
/// var (_, filled) = Tf.WhileLoop(v => v.Item1 &lt; n, v => (v.Item1 + 1, v.Item2.Write(v.Item1, f(v.Item1))), (Tf.Constant(0), ta));
/// Tensor all = filled.Stack();   // (n, ...)</code></example>
public sealed class TensorArray
{
    private TensorArray(Tensor handle, DType dtype, Shape elementShape, bool dynamicSize, int? staticSize)
    {
        Handle = handle;
        DType = dtype;
        ElementShape = elementShape;
        DynamicSize = dynamicSize;
        StaticSize = staticSize;
    }

    /// <summary>A tensor array of <paramref name="size"/> elements (TF: <c>tf.TensorArray(dtype, size, dynamic_size, element_shape)</c>).</summary>
    /// <exception cref="ArgumentException">size is negative, or dtype is Variant.</exception>
    public TensorArray(DType dtype, int size = 0, bool dynamicSize = false, Shape? elementShape = null, string? name = null)
        : this(Reserve(dtype, Tf.Constant(size >= 0 ? size : throw new ArgumentException($"TensorArray: size must be >= 0, but got {size}.", nameof(size))), elementShape ?? Shape.Unknown, dynamicSize, name),
               dtype, elementShape ?? Shape.Unknown, dynamicSize, dynamicSize ? null : size)
    {
    }

    /// <summary>A tensor array whose size is a run-time int32 scalar.</summary>
    public TensorArray(DType dtype, Tensor size, bool dynamicSize = false, Shape? elementShape = null, string? name = null)
        : this(Reserve(dtype, size, elementShape ?? Shape.Unknown, dynamicSize, name), dtype, elementShape ?? Shape.Unknown, dynamicSize, null)
    {
    }

    /// <summary>The variant scalar handle that flows through the graph (and through loops).</summary>
    public Tensor Handle { get; }

    /// <summary>The element dtype.</summary>
    public DType DType { get; }

    /// <summary>The (possibly partial) shape of every element.</summary>
    public Shape ElementShape { get; }

    /// <summary>Whether writes past the end grow the array.</summary>
    public bool DynamicSize { get; }

    internal int? StaticSize { get; }

    internal TensorArray WithHandle(Tensor handle)
    {
        if (handle.DType != DType.Variant)
            throw new ArgumentException($"TensorArray: a handle must have dtype Variant, but got {handle.DType}.", nameof(handle));
        return new TensorArray(handle, DType, ElementShape, DynamicSize, StaticSize);
    }

    private static Tensor Reserve(DType dtype, Tensor size, Shape elementShape, bool dynamicSize, string? name)
    {
        if (dtype == DType.Variant)
            throw new ArgumentException("TensorArray: elements cannot have dtype Variant.", nameof(dtype));
        ArgumentNullException.ThrowIfNull(size);
        if (size.DType != DType.Int32 || (size.Shape.IsRankKnown && size.Rank != 0))
            throw new ArgumentException($"TensorArray: size must be an int32 scalar, but got dtype {size.DType} shape {size.Shape}.", nameof(size));
        return Graph.Default.AddOperation("TensorListReserve", name ?? "TensorArray", new[] { size }, new[] { (DType.Variant, Shape.Scalar) },
            new Dictionary<string, object?> { ["element_dtype"] = dtype, ["element_shape"] = elementShape, ["dynamic_size"] = dynamicSize }).Outputs[0];
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="index"/> (TF: <c>ta.write</c>); returns the new array.</summary>
    /// <exception cref="ArgumentException">The dtype differs or the shape is incompatible with earlier writes.</exception>
    public TensorArray Write(Tensor index, Tensor value, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(value);
        CheckIndex(index, "Write");
        if (value.DType != DType)
            throw new ArgumentException($"TensorArray.Write: the array holds {DType}, but the value has dtype {value.DType}.", nameof(value));
        if (!value.Shape.IsCompatibleWith(ElementShape))
            throw new ArgumentException($"TensorArray.Write: the value has shape {value.Shape}, which is incompatible with the element shape {ElementShape}.", nameof(value));
        var merged = ElementShape.MergeWith(value.Shape);
        var h = Graph.Default.AddOperation("TensorListSetItem", name ?? "TensorArrayWrite", new[] { Handle, index, value },
            new[] { (DType.Variant, Shape.Scalar) }).Outputs[0];
        return new TensorArray(h, DType, merged, DynamicSize, StaticSize);
    }

    /// <summary>Writes at a constant index.</summary>
    public TensorArray Write(int index, Tensor value, string? name = null) => Write(Tf.Constant(index), value, name);

    /// <summary>Reads the element at <paramref name="index"/> (TF: <c>ta.read</c>).</summary>
    public Tensor Read(Tensor index, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        CheckIndex(index, "Read");
        return Graph.Default.AddOperation("TensorListGetItem", name ?? "TensorArrayRead", new[] { Handle, index },
            new[] { (DType, ElementShape) }).Outputs[0];
    }

    /// <summary>Reads at a constant index.</summary>
    public Tensor Read(int index, string? name = null) => Read(Tf.Constant(index), name);

    /// <summary>All elements stacked along a new first axis (TF: <c>ta.stack</c>): shape (size, element…).</summary>
    public Tensor Stack(string? name = null)
    {
        var shape = ElementShape.IsRankKnown ? new Shape(StaticSize ?? -1).Concatenate(ElementShape) : Shape.Unknown;
        return Graph.Default.AddOperation("TensorListStack", name ?? "TensorArrayStack", new[] { Handle }, new[] { (DType, shape) }).Outputs[0];
    }

    /// <summary>Splits <paramref name="value"/> along its first axis into the elements (TF: <c>ta.unstack</c>); returns the new array.</summary>
    public TensorArray Unstack(Tensor value, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.DType != DType)
            throw new ArgumentException($"TensorArray.Unstack: the array holds {DType}, but the value has dtype {value.DType}.", nameof(value));
        if (value.Shape.IsRankKnown && value.Rank == 0)
            throw new ArgumentException("TensorArray.Unstack: the value must have rank >= 1, but it is a scalar.", nameof(value));
        var elem = value.Shape.IsRankKnown ? value.Shape.Slice(1) : Shape.Unknown;
        if (!elem.IsCompatibleWith(ElementShape))
            throw new ArgumentException($"TensorArray.Unstack: elements of shape {elem} are incompatible with the element shape {ElementShape}.", nameof(value));
        var h = Graph.Default.AddOperation("TensorListFromTensor", name ?? "TensorArrayUnstack", new[] { Handle, value },
            new[] { (DType.Variant, Shape.Scalar) }).Outputs[0];
        int? size = value.Shape.IsRankKnown && value.Shape[0] >= 0 ? value.Shape[0] : null;
        return new TensorArray(h, DType, ElementShape.MergeWith(elem), DynamicSize, size);
    }

    /// <summary>The number of elements, an int32 scalar (TF: <c>ta.size()</c>).</summary>
    public Tensor Size(string? name = null) =>
        Graph.Default.AddOperation("TensorListLength", name ?? "TensorArraySize", new[] { Handle }, new[] { (DType.Int32, Shape.Scalar) }).Outputs[0];

    private static void CheckIndex(Tensor index, string who)
    {
        if (index.DType != DType.Int32 || (index.Shape.IsRankKnown && index.Rank != 0))
            throw new ArgumentException($"TensorArray.{who}: the index must be an int32 scalar, but got dtype {index.DType} shape {index.Shape}.", nameof(index));
    }

    // ---------------------------------------------------------------- kernels

    [OpKernel("TensorListReserve")]
    private static void ReserveKernel(OpContext ctx)
    {
        int size = ctx.Input(0).GetScalar<int>();
        if (size < 0) ctx.FailArgument($"TensorArray size must be >= 0, but was {size}.");
        ctx.SetOutput(0, NDArray.Variant(TensorList.Empty(size, ctx.Attr<DType>("element_dtype"),
            ctx.Attr<Shape>("element_shape"), ctx.Attr<bool>("dynamic_size"))));
    }

    [OpKernel("TensorListSetItem")]
    private static void SetItemKernel(OpContext ctx)
    {
        var list = ctx.Input(0).Payload<TensorList>();
        int index = ctx.Input(1).GetScalar<int>();
        var value = ctx.Input(2);
        if (index < 0) ctx.FailArgument($"TensorArray.Write: index {index} is negative.");
        if (!value.Shape.IsCompatibleWith(list.ElementShape))
            ctx.FailArgument($"TensorArray.Write: the value has shape {value.Shape}, but the element shape is {list.ElementShape}.");
        if (index >= list.Count && !list.DynamicSize)
            ctx.FailArgument($"TensorArray.Write: index {index} is out of range for an array of size {list.Count} (dynamicSize is false).");
        if (list.ItemShape is { } itemShape && itemShape != value.Shape)
            ctx.FailArgument($"TensorArray.Write: the value has shape {value.Shape}, but earlier elements have shape {itemShape}; all elements must have the same shape.");
        ctx.SetOutput(0, NDArray.Variant(list.With(index, value)));
    }

    [OpKernel("TensorListGetItem")]
    private static void GetItemKernel(OpContext ctx)
    {
        var list = ctx.Input(0).Payload<TensorList>();
        int index = ctx.Input(1).GetScalar<int>();
        if (index < 0 || index >= list.Count)
            ctx.FailArgument($"TensorArray.Read: index {index} is out of range for an array of size {list.Count}.");
        var item = list[index];
        if (item is null)
        {
            if (!list.ElementShape.IsFullyDefined)
                ctx.FailArgument($"TensorArray.Read: element {index} was never written and the element shape {list.ElementShape} is not fully defined.");
            item = NDArray.Zeros(list.ElementShape, list.ElementDType);
        }
        ctx.SetOutput(0, item);
    }

    [OpKernel("TensorListStack")]
    private static void StackKernel(OpContext ctx)
    {
        var list = ctx.Input(0).Payload<TensorList>();
        Shape elem = list.ItemShape ?? list.ElementShape;
        if (!elem.IsFullyDefined)
            ctx.FailArgument($"TensorArray.Stack: cannot stack {list.Count} elements: none was written and the element shape {list.ElementShape} is not fully defined.");
        var result = NDArray.Zeros(new Shape(list.Count).Concatenate(elem), list.ElementDType);
        int n = (int)elem.NumElements;
        int i = 0;
        foreach (var it in list.Items)
        {
            if (it is not null)   // unwritten elements are zeros (TF2 TensorList semantics)
            {
                if (it.Shape != elem)
                    ctx.FailArgument($"TensorArray.Stack: element {i} has shape {it.Shape}, but element 0 has shape {elem}.");
                Array.Copy(it.RawData, 0, result.RawData, (long)i * n, n);
            }
            i++;
        }
        ctx.SetOutput(0, result);
    }

    [OpKernel("TensorListFromTensor")]
    private static void FromTensorKernel(OpContext ctx)
    {
        var list = ctx.Input(0).Payload<TensorList>();
        var value = ctx.Input(1);
        if (value.Rank == 0) ctx.FailArgument("TensorArray.Unstack: the value must have rank >= 1, but it is a scalar.");
        int count = value.Shape[0];
        if (!list.DynamicSize && list.Count != 0 && count > list.Count)
            ctx.FailArgument($"TensorArray.Unstack: the value has {count} rows, more than the array's size {list.Count} (dynamicSize is false).");
        var elem = value.Shape.Slice(1);
        if (!elem.IsCompatibleWith(list.ElementShape))
            ctx.FailArgument($"TensorArray.Unstack: elements of shape {elem} are incompatible with the element shape {list.ElementShape}.");
        int n = (int)elem.NumElements;
        var items = new NDArray?[Math.Max(count, list.Count)];
        for (int i = 0; i < count; i++)
        {
            var e = NDArray.Empty(elem, value.DType);
            Array.Copy(value.RawData, (long)i * n, e.RawData, 0, n);
            items[i] = e;
        }
        ctx.SetOutput(0, NDArray.Variant(TensorList.From(items, list.ElementDType, list.ElementShape.MergeWith(elem), list.DynamicSize)));
    }

    [OpKernel("TensorListLength")]
    private static void LengthKernel(OpContext ctx) =>
        ctx.SetOutput(0, NDArray.Scalar(ctx.Input(0).Payload<TensorList>().Count));
}

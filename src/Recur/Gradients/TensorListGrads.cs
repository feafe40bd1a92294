using System.Numerics.Tensors;

namespace Recur;

/// <summary>
/// Gradients of the TensorList (TensorArray) ops. The gradient of a list is a list of the same length whose
/// missing (null) items mean zeros: writes become reads of the gradient list, reads become single-item lists,
/// stack and unstack swap, and gradients of a list are summed item by item.
/// </summary>
internal static class TensorListGrads
{
    private static Tensor ListOp(string type, string name, params Tensor[] inputs) =>
        Graph.Default.AddOperation(type, name, inputs, new[] { (DType.Variant, Shape.Scalar) }).Outputs[0];

    /// <summary>Sums list gradients item by item.</summary>
    public static Tensor AddLists(IReadOnlyList<Tensor> lists) => ListOp("TensorListAddN", "TensorListAddN", lists.ToArray());

    /// <summary>A list of the same length with no items (all zeros).</summary>
    public static Tensor ZerosLikeList(Tensor list) => ListOp("TensorListZerosLike", "TensorListZerosLike", list);

    // d(SetItem(list, i, item)) : dlist_prev = dlist with item i removed; ditem = dlist[i] (zeros when missing).
    [OpGradient("TensorListSetItem")]
    private static Tensor?[] SetItemGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var dlist = dy[0];
        if (dlist is null) return new Tensor?[3];
        var index = op.Inputs[1];
        var item = op.Inputs[2];
        var prev = ListOp("TensorListEraseItem", "TensorListEraseItem", dlist, index);
        var ditem = Graph.Default.AddOperation("TensorListGetItemOrZeros", "TensorListGetItemOrZeros", new[] { dlist, index, item },
            new[] { (item.DType, item.Shape) }).Outputs[0];
        return new[] { prev, null, ditem };
    }

    // d(GetItem(list, i)) : a list of the forward list's length holding dy at i.
    [OpGradient("TensorListGetItem")]
    private static Tensor?[] GetItemGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is null) return new Tensor?[2];
        return new[] { ListOp("TensorListScatterItem", "TensorListScatterItem", op.Inputs[0], op.Inputs[1], dy[0]!), null };
    }

    // d(Stack(list)) : the rows of dy as a list.
    [OpGradient("TensorListStack")]
    private static Tensor?[] StackGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is null) return new Tensor?[1];
        return new[] { ListOp("TensorListFromTensor", "TensorListUnstackGrad", op.Inputs[0], dy[0]!) };
    }

    // d(FromTensor(list, x)) : dx = the gradient list stacked, zeros for missing items.
    [OpGradient("TensorListFromTensor")]
    private static Tensor?[] FromTensorGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is null) return new Tensor?[2];
        var x = op.Inputs[1];
        var dx = Graph.Default.AddOperation("TensorListStackOrZeros", "TensorListStackOrZeros", new[] { dy[0]!, x },
            new[] { (x.DType, x.Shape) }).Outputs[0];
        return new[] { null, dx };
    }

    [OpGradient("TensorListAddN")]
    private static Tensor?[] AddNGrad(Operation op, IReadOnlyList<Tensor?> dy) => op.Inputs.Select(_ => dy[0]).ToArray();

    [OpGradient("TensorListZerosLike")]
    private static Tensor?[] ZerosLikeGrad(Operation op, IReadOnlyList<Tensor?> dy) => new Tensor?[1];

    // ---------------------------------------------------------------- kernels

    private static TensorList List(OpContext ctx, int i) => ctx.Input(i).Payload<TensorList>();

    [OpKernel("TensorListEraseItem")]
    private static void EraseKernel(OpContext ctx)
    {
        var l = List(ctx, 0);
        int index = ctx.Input(1).GetScalar<int>();
        ctx.SetOutput(0, NDArray.Variant(index >= 0 && index < l.Count ? l.With(index, null) : l));
    }

    [OpKernel("TensorListGetItemOrZeros")]
    private static void GetItemOrZerosKernel(OpContext ctx)
    {
        var l = List(ctx, 0);
        int index = ctx.Input(1).GetScalar<int>();
        var like = ctx.Input(2);
        var item = index >= 0 && index < l.Count ? l[index] : null;
        ctx.SetOutput(0, item ?? NDArray.Zeros(like.Shape, like.DType));
    }

    [OpKernel("TensorListScatterItem")]
    private static void ScatterKernel(OpContext ctx)
    {
        var l = List(ctx, 0);
        int index = ctx.Input(1).GetScalar<int>();
        ctx.SetOutput(0, NDArray.Variant(l.Cleared().With(index, ctx.Input(2))));
    }

    [OpKernel("TensorListStackOrZeros")]
    private static void StackOrZerosKernel(OpContext ctx)
    {
        var l = List(ctx, 0);
        var like = ctx.Input(1);
        var result = NDArray.Zeros(like.Shape, like.DType);
        int rows = like.Shape[0];
        int n = rows == 0 ? 0 : like.Size / rows;
        foreach (int i in l.WrittenIndices())
        {
            if (i >= rows) break;
            var it = l[i]!;
            if (it.Size != n) ctx.Fail($"gradient item {i} has shape {it.Shape}, but rows of the forward value have {n} elements.");
            Array.Copy(it.RawData, 0, result.RawData, (long)i * n, n);
        }
        ctx.SetOutput(0, result);
    }

    [OpKernel("TensorListAddN")]
    private static void AddNKernel(OpContext ctx)
    {
        var lists = Enumerable.Range(0, ctx.InputCount).Select(i => List(ctx, i)).ToList();
        ctx.SetOutput(0, NDArray.Variant(AddValues(lists)));
    }

    [OpKernel("TensorListZerosLike")]
    private static void ZerosLikeKernel(OpContext ctx)
    {
        var l = List(ctx, 0);
        ctx.SetOutput(0, NDArray.Variant(l.Cleared()));
    }

    /// <summary>Item-by-item sum of lists (null items are zeros).</summary>
    internal static TensorList AddValues(IReadOnlyList<TensorList> lists)
    {
        // Start from the list with the most items and add the others' written items into it: sparse gradient
        // lists (one item per loop iteration) cost O(log n) each, not O(n).
        var ordered = lists.OrderByDescending(l => l.Written is null ? int.MaxValue : l.Written.Length).ToList();
        var acc = ordered[0];
        foreach (var l in ordered.Skip(1))
        {
            foreach (int i in l.WrittenIndices())
            {
                var it = l[i]!;
                var cur = i < acc.Count ? acc[i] : null;
                acc = acc.With(i, cur is null ? it : AddArrays(cur, it));
            }
        }
        return acc;
    }

    /// <summary>a + b for two float arrays of one shape, or for two list values.</summary>
    internal static NDArray AddArrays(NDArray a, NDArray b)
    {
        if (a.DType == DType.Variant)
            return NDArray.Variant(AddValues(new[] { a.Payload<TensorList>(), b.Payload<TensorList>() }));
        if (a.Shape != b.Shape)
            throw new InvalidOperationException($"Gradient accumulation: shapes {a.Shape} and {b.Shape} differ.");
        var r = NDArray.Empty(a.Shape, a.DType);
        if (a.DType == DType.Float32) TensorPrimitives.Add(a.Data<float>(), b.Data<float>(), r.Data<float>());
        else TensorPrimitives.Add(a.Data<double>(), b.Data<double>(), r.Data<double>());
        return r;
    }
}

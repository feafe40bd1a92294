using System.Collections;
using System.Runtime.CompilerServices;

namespace Recur;

/// <summary>
/// A structure that <see cref="Nest"/> can flatten and rebuild (TF's nest protocol for custom types such as
/// RNN state tuples).
/// </summary>
public interface INestStructure
{
    /// <summary>The direct children, in order (each a <see cref="Tensor"/>, <see cref="TensorArray"/> or another nest).</summary>
    IReadOnlyList<object> NestChildren { get; }

    /// <summary>A structure of the same kind holding <paramref name="children"/> in place of the current ones.</summary>
    INestStructure WithNestChildren(IReadOnlyList<object> children);
}

/// <summary>
/// TF's <c>tf.nest</c> for loop variables: flatten a nest of tensors depth-first and rebuild a structure from a flat
/// list. Leaves are <see cref="Tensor"/> and <see cref="TensorArray"/> (whose handle is the flat leaf); nodes are
/// value tuples, arrays, lists and <see cref="INestStructure"/> types.
/// </summary>
public static class Nest
{
    /// <summary>The leaves of <paramref name="structure"/>, depth-first (TF: <c>nest.flatten</c>).</summary>
    /// <exception cref="ArgumentException">A leaf is not a tensor, tensor array or supported structure.</exception>
    public static List<Tensor> Flatten(object structure)
    {
        var result = new List<Tensor>();
        var stack = new Stack<object>();
        stack.Push(structure);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            switch (node)
            {
                case Tensor t: result.Add(t); break;
                case TensorArray ta: result.Add(ta.Handle); break;
                default:
                    var children = Children(node);
                    for (int i = children.Count - 1; i >= 0; i--) stack.Push(children[i]);
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// Rebuilds <paramref name="structure"/> with the tensors of <paramref name="flat"/> as leaves, depth-first
    /// (TF: <c>nest.pack_sequence_as</c>). Tensor arrays keep their metadata and take the new handle.
    /// </summary>
    /// <exception cref="ArgumentException">The number of leaves differs.</exception>
    public static T PackSequenceAs<T>(T structure, IReadOnlyList<Tensor> flat) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(flat);
        int pos = 0;
        var result = Pack(structure, flat, ref pos);
        if (pos != flat.Count)
            throw new ArgumentException($"Nest.PackSequenceAs: the structure has {pos} leaves, but {flat.Count} tensors were given.", nameof(flat));
        return (T)result;
    }

    /// <summary>Throws unless the two nests have the same structure (TF: <c>nest.assert_same_structure</c>).</summary>
    /// <exception cref="ArgumentException">The structures differ; the message shows both.</exception>
    public static void AssertSameStructure(object a, object b, string who)
    {
        var sa = Describe(a);
        var sb = Describe(b);
        if (sa != sb)
            throw new ArgumentException($"{who}: the two structures don't have the same nested structure. First: {sa}; second: {sb}.");
    }

    /// <summary>A short text of the structure with leaves as '.', e.g. <c>(., [., .])</c>.</summary>
    public static string Describe(object structure)
    {
        switch (structure)
        {
            case Tensor: return ".";
            case TensorArray: return "TA";
            default:
                var ch = Children(structure);
                string inner = string.Join(", ", ch.Select(Describe));
                return structure is ITuple ? $"({inner})" : structure is INestStructure ? $"{structure.GetType().Name}({inner})" : $"[{inner}]";
        }
    }

    private static IReadOnlyList<object> Children(object node)
    {
        switch (node)
        {
            case INestStructure n: return n.NestChildren;
            case ITuple t:
                {
                    var l = new object[t.Length];
                    for (int i = 0; i < l.Length; i++)
                        l[i] = t[i] ?? throw new ArgumentException("Nest: a tuple element is null.");
                    return l;
                }
            case IList list:
                {
                    var l = new object[list.Count];
                    for (int i = 0; i < l.Length; i++)
                        l[i] = list[i] ?? throw new ArgumentException("Nest: a list element is null.");
                    return l;
                }
            case null: throw new ArgumentException("Nest: a structure element is null.");
            default:
                throw new ArgumentException($"Nest: {node.GetType().Name} is not a tensor, tensor array, tuple, list or INestStructure.");
        }
    }

    private static object Pack(object structure, IReadOnlyList<Tensor> flat, ref int pos)
    {
        switch (structure)
        {
            case Tensor:
                if (pos >= flat.Count) throw new ArgumentException($"Nest.PackSequenceAs: too few tensors ({flat.Count}) for the structure.");
                return flat[pos++];
            case TensorArray ta:
                if (pos >= flat.Count) throw new ArgumentException($"Nest.PackSequenceAs: too few tensors ({flat.Count}) for the structure.");
                return ta.WithHandle(flat[pos++]);
            case INestStructure n:
                {
                    var ch = n.NestChildren;
                    var packed = new object[ch.Count];
                    for (int i = 0; i < packed.Length; i++) packed[i] = Pack(ch[i], flat, ref pos);
                    return n.WithNestChildren(packed);
                }
            case ITuple t:
                {
                    var args = new object?[t.Length];
                    for (int i = 0; i < args.Length; i++) args[i] = Pack(t[i]!, flat, ref pos);
                    var type = structure.GetType();
                    if (t.Length > 7)
                        throw new ArgumentException("Nest: tuples of more than 7 elements are not supported; nest them.");
                    return Activator.CreateInstance(type, args)!;
                }
            case Array arr:
                {
                    var result = Array.CreateInstance(arr.GetType().GetElementType()!, arr.Length);
                    for (int i = 0; i < arr.Length; i++) result.SetValue(Pack(arr.GetValue(i)!, flat, ref pos), i);
                    return result;
                }
            case IList list:
                {
                    var result = (IList)Activator.CreateInstance(structure.GetType())!;
                    foreach (var item in list) result.Add(Pack(item!, flat, ref pos));
                    return result;
                }
            default:
                throw new ArgumentException($"Nest: {structure.GetType().Name} is not a tensor, tensor array, tuple, list or INestStructure.");
        }
    }
}

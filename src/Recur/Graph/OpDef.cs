using System.Reflection;

namespace Recur;

/// <summary>Computes an op's outputs from its inputs at run time.</summary>
internal delegate void OpKernel(OpContext ctx);

/// <summary>
/// Builds the gradient of an op symbolically (TF's <c>@ops.RegisterGradient</c>): given the op and the
/// gradients flowing into its outputs (null where none flows), returns one gradient per data input (null for none).
/// </summary>
internal delegate Tensor?[] GradientFunction(Operation op, IReadOnlyList<Tensor?> outputGradients);

/// <summary>Marks a static method <c>void M(OpContext)</c> as the kernel of an op type.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class OpKernelAttribute(string type) : Attribute
{
    public string Type { get; } = type;

    /// <summary>Stateful ops (random, variables, assignment) are never deduplicated or constant-folded.</summary>
    public bool Stateful { get; init; }

    /// <summary>
    /// The kernel only borrows its inputs: it reads them while it runs and never returns one (or a view of its
    /// storage) as an output, nor keeps a reference to one after it returns. The executor recycles an intermediate
    /// buffer only when every op that reads it borrows (see docs/decisions/0011-executor-memory.md); leave this
    /// false for any kernel that forwards, wraps, reshapes or stores an input.
    /// </summary>
    public bool BorrowsInputs { get; init; }
}

/// <summary>Marks a static method with the <see cref="GradientFunction"/> signature as the gradient rule of an op type.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class OpGradientAttribute(string type) : Attribute
{
    public string Type { get; } = type;
}

/// <summary>Per op type: the kernel and the gradient rule (the shape function lives in the builder).</summary>
internal sealed class OpDef(string type, OpKernel kernel, bool stateful, bool borrowsInputs = false)
{
    public string Type { get; } = type;
    public OpKernel Kernel { get; } = kernel;
    public bool Stateful { get; } = stateful;

    /// <summary>See <see cref="OpKernelAttribute.BorrowsInputs"/>.</summary>
    public bool BorrowsInputs { get; } = borrowsInputs;
    public GradientFunction? Gradient { get; internal set; }
}

/// <summary>
/// The op registry: discovers <see cref="OpKernelAttribute"/> and <see cref="OpGradientAttribute"/> methods in this
/// assembly once, so each op keeps its builder, kernel and gradient in one file with no central list.
/// </summary>
internal static class OpRegistry
{
    private static readonly Dictionary<string, OpDef> Defs = Discover();

    public static OpDef Get(string type)
    {
        if (Defs.TryGetValue(type, out var def)) return def;
        throw new InvalidOperationException($"OpRegistry: no kernel is registered for op type '{type}'.");
    }

    public static bool IsRegistered(string type) => Defs.ContainsKey(type);

    private static Dictionary<string, OpDef> Discover()
    {
        var defs = new Dictionary<string, OpDef>(StringComparer.Ordinal);
        var grads = new List<(string, GradientFunction)>();
        foreach (var t in typeof(OpRegistry).Assembly.GetTypes())
        {
            foreach (var m in t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                foreach (var a in m.GetCustomAttributes<OpKernelAttribute>())
                {
                    if (defs.ContainsKey(a.Type))
                        throw new InvalidOperationException($"OpRegistry: op type '{a.Type}' has two kernels ({t.Name}.{m.Name}).");
                    defs[a.Type] = new OpDef(a.Type, m.CreateDelegate<OpKernel>(), a.Stateful, a.BorrowsInputs);
                }
                foreach (var a in m.GetCustomAttributes<OpGradientAttribute>())
                    grads.Add((a.Type, m.CreateDelegate<GradientFunction>()));
            }
        }
        foreach (var (type, g) in grads)
        {
            if (!defs.TryGetValue(type, out var def))
                throw new InvalidOperationException($"OpRegistry: gradient registered for unknown op type '{type}'.");
            def.Gradient = g;
        }
        return defs;
    }
}

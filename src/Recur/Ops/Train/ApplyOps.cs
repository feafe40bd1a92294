using System.Numerics;

namespace Recur;

/// <summary>
/// The fused optimizer updates (TF's <c>training_ops</c>: ApplyGradientDescent, ApplyMomentum, ApplyAdam,
/// ApplyRMSProp, ApplyCenteredRMSProp, ApplyAdagrad). Each op reads its variable and slot variables from the running
/// session, computes the new values from the gradient and the scalar hyper-parameters (its inputs), stores them back
/// (fresh arrays: a value fetched earlier is never changed) and outputs the new variable value. No gradients: they
/// are updates, not functions.
/// </summary>
/// <remarks>
/// Inputs are the scalar hyper-parameters in TF's order followed by the gradient; attrs <c>variable</c> (the
/// primary) and <c>slots</c> (the slot variables in TF's order). Every scalar and the gradient has the variable's
/// dtype, and the arithmetic runs in that dtype, as TF's kernels do.
/// </remarks>
internal static class ApplyOps
{
    /// <summary>Adds one update op for <paramref name="variable"/>; <paramref name="scalars"/> precede the gradient.</summary>
    public static Operation Build(string type, Variable variable, IReadOnlyList<Variable> slots, IReadOnlyList<Tensor> scalars, Tensor grad,
        string? name = null, bool useNesterov = false)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(grad);
        if (!variable.DType.IsFloating())
            throw new ArgumentException($"{type}: variable '{variable.Name}' has dtype {variable.DType}; optimizers update Float32 or Float64 variables.", nameof(variable));
        if (grad.DType != variable.DType)
            throw new ArgumentException($"{type}: variable '{variable.Name}' has dtype {variable.DType}, but its gradient '{grad.Name}' has dtype {grad.DType}.", nameof(grad));
        if (!grad.Shape.IsCompatibleWith(variable.Shape))
            throw new ArgumentException($"{type}: variable '{variable.Name}' has shape {variable.Shape}, but its gradient '{grad.Name}' has shape {grad.Shape}.", nameof(grad));
        foreach (var s in scalars)
        {
            if (s.DType != variable.DType || (s.Shape.IsRankKnown && s.Rank != 0))
                throw new ArgumentException($"{type}: hyper-parameter '{s.Name}' must be a {variable.DType} scalar, but has dtype {s.DType} and shape {s.Shape}.", nameof(scalars));
        }
        var inputs = new List<Tensor>(scalars) { grad };
        return Graph.Default.AddOperation(type, name ?? type, inputs, new[] { (variable.DType, variable.Shape) },
            new Dictionary<string, object?> { ["variable"] = variable, ["slots"] = slots.ToArray(), ["T"] = variable.DType, ["use_nesterov"] = useNesterov });
    }

    /// <summary>var -= lr · g.</summary>
    [OpKernel("ApplyGradientDescent", Stateful = true)]
    private static void GradientDescentKernel(OpContext ctx)
    {
        if (IsFloat(ctx)) GradientDescent<float>(ctx); else GradientDescent<double>(ctx);
    }

    private static void GradientDescent<T>(OpContext ctx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = new Update<T>(ctx, scalars: 1);
        T lr = u.Scalar(0);
        var (x, g, nx) = (u.Var, u.Grad, u.NewVar);
        for (int i = 0; i < x.Length; i++) nx[i] = x[i] - lr * g[i];
        u.Store();
    }

    /// <summary>accum = momentum·accum + g; var -= lr·accum, or with Nesterov var -= lr·g + lr·momentum·accum.</summary>
    [OpKernel("ApplyMomentum", Stateful = true)]
    private static void MomentumKernel(OpContext ctx)
    {
        if (IsFloat(ctx)) Momentum<float>(ctx); else Momentum<double>(ctx);
    }

    private static void Momentum<T>(OpContext ctx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = new Update<T>(ctx, scalars: 2);
        T lr = u.Scalar(0), momentum = u.Scalar(1);
        bool nesterov = ctx.Attr<bool>("use_nesterov");
        var (x, g, nx) = (u.Var, u.Grad, u.NewVar);
        var (a, na) = (u.Slot(0), u.NewSlot(0));
        for (int i = 0; i < x.Length; i++)
        {
            na[i] = a[i] * momentum + g[i];
            nx[i] = nesterov ? x[i] - (g[i] * lr + na[i] * momentum * lr) : x[i] - lr * na[i];
        }
        u.Store();
    }

    /// <summary>
    /// lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); m = m + (g − m)(1 − β₁); v = v + (g² − v)(1 − β₂); var -= lr_t·m/(√v + ε).
    /// Inputs: beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad.
    /// </summary>
    [OpKernel("ApplyAdam", Stateful = true)]
    private static void AdamKernel(OpContext ctx)
    {
        if (IsFloat(ctx)) Adam<float>(ctx); else Adam<double>(ctx);
    }

    private static void Adam<T>(OpContext ctx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = new Update<T>(ctx, scalars: 6);
        T b1p = u.Scalar(0), b2p = u.Scalar(1), lr = u.Scalar(2), b1 = u.Scalar(3), b2 = u.Scalar(4), eps = u.Scalar(5);
        T one = T.One;
        T lrT = lr * T.Sqrt(one - b2p) / (one - b1p);
        var (x, g, nx) = (u.Var, u.Grad, u.NewVar);
        var (m, nm, v, nv) = (u.Slot(0), u.NewSlot(0), u.Slot(1), u.NewSlot(1));
        for (int i = 0; i < x.Length; i++)
        {
            nm[i] = m[i] + (g[i] - m[i]) * (one - b1);
            nv[i] = v[i] + (g[i] * g[i] - v[i]) * (one - b2);
            nx[i] = x[i] - lrT * nm[i] / (T.Sqrt(nv[i]) + eps);
        }
        u.Store();
    }

    /// <summary>
    /// ms = ρ·ms + (1 − ρ)·g²; mom = μ·mom + lr·g/√(ms + ε); var -= mom. Inputs: lr, rho, momentum, epsilon, grad; slots rms, momentum.
    /// </summary>
    [OpKernel("ApplyRMSProp", Stateful = true)]
    private static void RmsPropKernel(OpContext ctx)
    {
        if (IsFloat(ctx)) RmsProp<float>(ctx, centered: false); else RmsProp<double>(ctx, centered: false);
    }

    /// <summary>
    /// mg = ρ·mg + (1 − ρ)·g; ms = ρ·ms + (1 − ρ)·g²; mom = μ·mom + lr·g/√(ms − mg² + ε); var -= mom.
    /// Inputs: lr, rho, momentum, epsilon, grad; slots rms, mg, momentum.
    /// </summary>
    [OpKernel("ApplyCenteredRMSProp", Stateful = true)]
    private static void CenteredRmsPropKernel(OpContext ctx)
    {
        if (IsFloat(ctx)) RmsProp<float>(ctx, centered: true); else RmsProp<double>(ctx, centered: true);
    }

    private static void RmsProp<T>(OpContext ctx, bool centered) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = new Update<T>(ctx, scalars: 4);
        T lr = u.Scalar(0), rho = u.Scalar(1), mu = u.Scalar(2), eps = u.Scalar(3);
        T one = T.One;
        var (x, g, nx) = (u.Var, u.Grad, u.NewVar);
        var (ms, nms) = (u.Slot(0), u.NewSlot(0));
        int mom = centered ? 2 : 1;
        var (mg, nmg) = centered ? (u.Slot(1), u.NewSlot(1)) : (null, null);
        var (mo, nmo) = (u.Slot(mom), u.NewSlot(mom));
        for (int i = 0; i < x.Length; i++)
        {
            nms[i] = ms[i] * rho + g[i] * g[i] * (one - rho);
            T denom = nms[i] + eps;
            if (centered)
            {
                nmg![i] = mg![i] * rho + g[i] * (one - rho);
                denom = nms[i] - nmg[i] * nmg[i] + eps;
            }
            nmo[i] = mo[i] * mu + lr * g[i] / T.Sqrt(denom);
            nx[i] = x[i] - nmo[i];
        }
        u.Store();
    }

    /// <summary>accum += g²; var -= lr·g/√accum. Inputs: lr, grad; slot accumulator.</summary>
    [OpKernel("ApplyAdagrad", Stateful = true)]
    private static void AdagradKernel(OpContext ctx)
    {
        if (IsFloat(ctx)) Adagrad<float>(ctx); else Adagrad<double>(ctx);
    }

    private static void Adagrad<T>(OpContext ctx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = new Update<T>(ctx, scalars: 1);
        T lr = u.Scalar(0);
        var (x, g, nx) = (u.Var, u.Grad, u.NewVar);
        var (a, na) = (u.Slot(0), u.NewSlot(0));
        for (int i = 0; i < x.Length; i++)
        {
            na[i] = a[i] + g[i] * g[i];
            nx[i] = x[i] - lr * g[i] / T.Sqrt(na[i]);
        }
        u.Store();
    }

    private static bool IsFloat(OpContext ctx) => ctx.Attr<DType>("T") == DType.Float32;

    /// <summary>
    /// One update's arrays: the current variable and slot values read from the session, the gradient, and fresh
    /// arrays for the new values, stored back by <see cref="Store"/>.
    /// </summary>
    private readonly struct Update<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly OpContext _ctx;
        private readonly Variable _variable;
        private readonly Variable[] _slots;
        private readonly NDArray _newVar;
        private readonly NDArray[] _oldSlots;
        private readonly NDArray[] _newSlots;

        public Update(OpContext ctx, int scalars)
        {
            _ctx = ctx;
            _variable = ctx.Attr<Variable>("variable");
            _slots = ctx.Attr<Variable[]>("slots");
            var session = ctx.Run.Session;
            var current = session.ReadVariable(_variable);
            var grad = ctx.Input(scalars);
            if (grad.Shape != current.Shape)
                ctx.FailArgument($"variable '{_variable.Name}' has shape {current.Shape}, but the gradient has shape {grad.Shape}.");
            for (int i = 0; i < scalars; i++)
            {
                if (ctx.Input(i).Size != 1)
                    ctx.FailArgument($"hyper-parameter {i} must be a scalar, but has shape {ctx.Input(i).Shape}.");
            }
            Var = current.Data<T>();
            Grad = grad.Data<T>();
            _newVar = NDArray.Empty(current.Shape, current.DType);
            NewVar = _newVar.Data<T>();
            _oldSlots = new NDArray[_slots.Length];
            _newSlots = new NDArray[_slots.Length];
            for (int i = 0; i < _slots.Length; i++)
            {
                _oldSlots[i] = session.ReadVariable(_slots[i]);
                _newSlots[i] = NDArray.Empty(_oldSlots[i].Shape, _oldSlots[i].DType);
            }
        }

        public T[] Var { get; }

        public T[] Grad { get; }

        public T[] NewVar { get; }

        public T Scalar(int i) => _ctx.Input(i).Data<T>()[0];

        public T[] Slot(int i) => _oldSlots[i].Data<T>();

        public T[] NewSlot(int i) => _newSlots[i].Data<T>();

        /// <summary>Stores the new values in the session and sets the op's output to the new variable value.</summary>
        public void Store()
        {
            var session = _ctx.Run.Session;
            string who = $"{_ctx.Op.Type} '{_ctx.Op.Name}'";
            for (int i = 0; i < _slots.Length; i++) session.StoreVariable(_slots[i], _newSlots[i], who);
            session.StoreVariable(_variable, _newVar, who);
            _ctx.SetOutput(0, _newVar);
        }
    }
}

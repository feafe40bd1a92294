namespace Recur;

/// <summary>
/// The learning-rate decay op (TF: the <c>tf.compat.v1.train.*_decay</c> functions, which TF composes from math ops):
/// one scalar op <c>LearningRateDecay</c> reading the global step and evaluating its <see cref="DecaySchedule"/> in
/// float64, then converting to the output dtype. The step is an integer, so there is no gradient.
/// </summary>
internal static class DecayOps
{
    public static Tensor Build(Tensor globalStep, DecaySchedule schedule, DType dtype, string name)
    {
        ArgumentNullException.ThrowIfNull(globalStep);
        if (!globalStep.DType.IsNumeric())
            throw new ArgumentException($"Tf.Train.{schedule.Kind}: globalStep must be numeric, but '{globalStep.Name}' has dtype {globalStep.DType}.", nameof(globalStep));
        if (globalStep.Shape.IsRankKnown && globalStep.Rank != 0)
            throw new ArgumentException($"Tf.Train.{schedule.Kind}: globalStep must be a scalar, but '{globalStep.Name}' has shape {globalStep.Shape}.", nameof(globalStep));
        if (!dtype.IsFloating())
            throw new ArgumentException($"Tf.Train.{schedule.Kind}: dtype must be Float32 or Float64, but got {dtype}.", nameof(dtype));
        return Graph.Default.AddOperation("LearningRateDecay", name, new[] { globalStep }, new[] { (dtype, Shape.Scalar) },
            new Dictionary<string, object?> { ["schedule"] = schedule, ["dtype"] = dtype }).Outputs[0];
    }

    [OpKernel("LearningRateDecay")]
    private static void Kernel(OpContext ctx)
    {
        var step = ctx.Input(0);
        if (step.Size != 1) ctx.FailArgument($"the global step must be a scalar, but has shape {step.Shape}.");
        double value = ctx.Attr<DecaySchedule>("schedule").Evaluate(step.GetDouble(0));
        ctx.SetOutput(0, NDArray.Scalar(value, ctx.Attr<DType>("dtype")));
    }
}

/// <summary>A learning rate as a function of the global step (evaluated in float64).</summary>
internal abstract record DecaySchedule(string Kind)
{
    public abstract double Evaluate(double step);
}

/// <summary>lr · rate^(step / steps), the exponent floored when staircase.</summary>
internal sealed record ExponentialDecaySchedule(double LearningRate, double DecaySteps, double DecayRate, bool Staircase)
    : DecaySchedule("ExponentialDecay")
{
    public override double Evaluate(double step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return LearningRate * Math.Pow(DecayRate, p);
    }
}

/// <summary>lr · e^(−rate · step / steps), the exponent floored when staircase.</summary>
internal sealed record NaturalExpDecaySchedule(double LearningRate, double DecaySteps, double DecayRate, bool Staircase)
    : DecaySchedule("NaturalExpDecay")
{
    public override double Evaluate(double step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return LearningRate * Math.Exp(-DecayRate * p);
    }
}

/// <summary>lr / (1 + rate · step / steps), the ratio floored when staircase.</summary>
internal sealed record InverseTimeDecaySchedule(double LearningRate, double DecaySteps, double DecayRate, bool Staircase)
    : DecaySchedule("InverseTimeDecay")
{
    public override double Evaluate(double step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return LearningRate / (1 + DecayRate * p);
    }
}

/// <summary>values[i] for boundaries[i−1] &lt; step ≤ boundaries[i].</summary>
internal sealed record PiecewiseConstantSchedule(double[] Boundaries, double[] Values) : DecaySchedule("PiecewiseConstant")
{
    public override double Evaluate(double step)
    {
        for (int i = 0; i < Boundaries.Length; i++)
        {
            if (step <= Boundaries[i]) return Values[i];
        }
        return Values[^1];
    }
}

/// <summary>(lr − end)·(1 − step/steps)^power + end, step capped at steps (or steps stretched to the next multiple when cycling).</summary>
internal sealed record PolynomialDecaySchedule(double LearningRate, double DecaySteps, double EndLearningRate, double Power, bool Cycle)
    : DecaySchedule("PolynomialDecay")
{
    public override double Evaluate(double step)
    {
        double steps = DecaySteps;
        if (Cycle)
        {
            // TF: multiplier = 1 at step 0, else ceil(step / decay_steps).
            double multiplier = step == 0 ? 1 : Math.Ceiling(step / DecaySteps);
            steps = DecaySteps * multiplier;
        }
        else
        {
            step = Math.Min(step, DecaySteps);
        }
        return (LearningRate - EndLearningRate) * Math.Pow(1 - step / steps, Power) + EndLearningRate;
    }
}

/// <summary>lr · ((1 − α)·½(1 + cos(π·min(step, steps)/steps)) + α).</summary>
internal sealed record CosineDecaySchedule(double LearningRate, double DecaySteps, double Alpha) : DecaySchedule("CosineDecay")
{
    public override double Evaluate(double step)
    {
        double s = Math.Min(step, DecaySteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * s / DecaySteps));
        return LearningRate * ((1 - Alpha) * cosine + Alpha);
    }
}

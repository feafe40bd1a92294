using System.Globalization;

namespace Recur.Samples;

/// <summary>
/// What one sample found: the values it fetched (by the names the Python program uses) and the checks it made
/// (the Python program's <c>assert</c>s, plus the comparisons the port adds). A failed check throws
/// <see cref="SampleCheckException"/> after printing, as a failed Python <c>assert</c> stops the program.
/// </summary>
public sealed class SampleResult
{
    private readonly List<SampleCheck> _checks = new();
    private readonly Dictionary<string, NDArray> _values = new(StringComparer.Ordinal);
    private readonly TextWriter _output;

    /// <summary>Starts the result of the sample <paramref name="name"/>, printing checks to <paramref name="output"/>.</summary>
    public SampleResult(string name, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Name = name;
        _output = output;
    }

    /// <summary>The sample's name (its project folder under <c>samples/</c>).</summary>
    public string Name { get; }

    /// <summary>The checks made, in order.</summary>
    public IReadOnlyList<SampleCheck> Checks => _checks;

    /// <summary>Fetched values by name (e.g. <c>outputs</c>, <c>last_states.h</c>).</summary>
    public IReadOnlyDictionary<string, NDArray> Values => _values;

    /// <summary>Records a fetched value under <paramref name="name"/> and returns it.</summary>
    public NDArray Keep(string name, NDArray value)
    {
        _values[name] = value;
        return value;
    }

    /// <summary>
    /// A Python <c>assert</c>: records the check, prints it, and throws <see cref="SampleCheckException"/> when
    /// <paramref name="passed"/> is false.
    /// </summary>
    public void Check(string description, bool passed, string? detail = null)
    {
        _checks.Add(new SampleCheck(description, passed, detail ?? ""));
        _output.WriteLine($"check: {description}{(string.IsNullOrEmpty(detail) ? "" : $" ({detail})")}: {(passed ? "ok" : "FAILED")}");
        if (!passed) throw new SampleCheckException($"{Name}: check failed: {description}{(string.IsNullOrEmpty(detail) ? "" : $" ({detail})")}.");
    }

    /// <summary>The console entry point shared by the sample projects: runs the sample, returns 0, or 1 when a check fails.</summary>
    public static int RunOnConsole(Func<TextWriter, SampleResult> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            var result = run(Console.Out);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Name}: {result.Checks.Count} checks passed."));
            return 0;
        }
        catch (SampleCheckException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}

/// <summary>One check a sample made.</summary>
/// <param name="Description">What was checked, in the Python program's terms.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The measured quantity (e.g. the max abs difference), or empty.</param>
public sealed record SampleCheck(string Description, bool Passed, string Detail);

/// <summary>A sample's check failed (a Python <c>AssertionError</c>).</summary>
public sealed class SampleCheckException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SampleCheckException() { }

    /// <summary>Creates the exception with a message.</summary>
    public SampleCheckException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SampleCheckException(string message, Exception innerException) : base(message, innerException) { }
}

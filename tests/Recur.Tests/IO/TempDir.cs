namespace Recur.Tests.IO;

/// <summary>A fresh temporary directory, deleted with everything in it on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "recur-io-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The file names in the directory, sorted.</summary>
    public string[] Names() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Arrays of every dtype and awkward shapes for round trips.</summary>
internal static class SampleArrays
{
    public static Dictionary<string, NDArray> All() => new(StringComparer.Ordinal)
    {
        ["f32/matrix"] = new NDArray(TestUtil.RandomFloats(12, 1), new Shape(3, 4)),
        ["f32/special"] = new NDArray(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue }, new Shape(6)),
        ["f64/rank3"] = new NDArray(TestUtil.RandomDoubles(24, 2), new Shape(2, 3, 4)),
        ["f64/scalar"] = NDArray.Scalar(Math.PI),
        ["i32/vector"] = new NDArray(new[] { int.MinValue, -1, 0, 1, int.MaxValue }, new Shape(5)),
        ["i64/matrix"] = new NDArray(new[] { long.MinValue, -1L, 0L, long.MaxValue }, new Shape(2, 2)),
        ["i64/scalar"] = NDArray.Scalar(1234567890123L),
        ["bool/matrix"] = new NDArray(new[] { true, false, false, true, true, true }, new Shape(2, 3)),
        ["bool/scalar"] = NDArray.Scalar(true),
        ["f32/empty"] = new NDArray(Array.Empty<float>(), new Shape(0)),
        ["f64/empty2d"] = new NDArray(Array.Empty<double>(), new Shape(3, 0)),
        ["i32/empty3d"] = new NDArray(Array.Empty<int>(), new Shape(0, 5, 2)),
        ["bool/empty"] = new NDArray(Array.Empty<bool>(), new Shape(0)),
        ["unicode/ünïcødé ✓"] = new NDArray(new[] { 1.5f }, new Shape(1, 1, 1, 1, 1)),
    };

    /// <summary>Asserts identical dtype, shape and bits (NaN payloads and −0 included).</summary>
    public static void AssertSame(NDArray expected, NDArray actual, string what)
    {
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, expected {expected.DType}");
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        switch (expected.DType)
        {
            case DType.Float32:
                Assert.Equal(expected.ToArray<float>().Select(BitConverter.SingleToInt32Bits), actual.ToArray<float>().Select(BitConverter.SingleToInt32Bits));
                break;
            case DType.Float64:
                Assert.Equal(expected.ToArray<double>().Select(BitConverter.DoubleToInt64Bits), actual.ToArray<double>().Select(BitConverter.DoubleToInt64Bits));
                break;
            case DType.Int32: Assert.Equal(expected.ToArray<int>(), actual.ToArray<int>()); break;
            case DType.Int64: Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>()); break;
            case DType.Bool: Assert.Equal(expected.ToArray<bool>(), actual.ToArray<bool>()); break;
            default: Assert.Fail($"{what}: unexpected dtype {expected.DType}"); break;
        }
    }

    public static void AssertSame(IReadOnlyDictionary<string, NDArray> expected, IReadOnlyDictionary<string, NDArray> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (k, v) in expected) AssertSame(v, actual[k], k);
    }
}

using System.Buffers.Binary;
using System.Text;
using Recur.IO;

namespace Recur.Tests.IO;

public sealed class SafetensorsTests
{
    /// <summary>A safetensors file from a header string and data bytes; <paramref name="declared"/> overrides the length prefix.</summary>
    private static byte[] Raw(string header, byte[]? data = null, ulong? declared = null) => Raw(Encoding.UTF8.GetBytes(header), data, declared);

    private static byte[] Raw(byte[] header, byte[]? data = null, ulong? declared = null)
    {
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, declared ?? (ulong)header.Length);
        return [.. len, .. header, .. data ?? Array.Empty<byte>()];
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void SaveLoad_EveryDTypeScalarsAndEmptyArrays_RoundTripBitExact()
    {
        using var dir = new TempDir();
        var arrays = SampleArrays.All();
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcødé \"quoted\"" };
        Safetensors.Save(dir.File("a.safetensors"), arrays, meta);
        SampleArrays.AssertSame(arrays, Safetensors.Load(dir.File("a.safetensors")));
        Assert.Equal(meta, Safetensors.ReadMetadata(dir.File("a.safetensors")));
        Assert.Equal(new[] { "a.safetensors" }, dir.Names());
    }

    [Fact]
    public void Save_OneTensor_WritesTheReferenceByteLayout()
    {
        using var dir = new TempDir();
        Safetensors.Save(dir.File("x"), new Dictionary<string, NDArray> { ["a"] = new NDArray(new[] { 1f, 2f }, new Shape(1, 2)) });
        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}";
        var header = json + new string(' ', (8 - json.Length % 8) % 8);   // padded so the data is 8-byte aligned
        Assert.Equal(Raw(header, Floats(1f, 2f)), File.ReadAllBytes(dir.File("x")));
        Assert.Empty(Safetensors.ReadMetadata(dir.File("x")));
    }

    [Fact]
    public void Load_ForeignFileWithUnsortedOffsetsAndPadding_Reads()
    {
        using var dir = new TempDir();
        const string header = "{\"__metadata__\":{\"format\":\"pt\"},\"z\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},\"m\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[16,16]}}   ";
        File.WriteAllBytes(dir.File("f"), Raw(header, [.. BitConverter.GetBytes(-5L), .. Floats(0.5f, -2f)]));
        var t = Safetensors.Load(dir.File("f"));
        Assert.Equal(-5L, t["z"].GetScalar<long>());
        Assert.Equal(Shape.Scalar, t["z"].Shape);
        Assert.Equal(new[] { 0.5f, -2f }, t["a"].ToArray<float>());
        Assert.Equal(new Shape(0), t["m"].Shape);
    }

    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "file shorter than 8 bytes", new byte[] { 1, 2, 3 }, "at least the 8-byte header length" },
        { "header length larger than file", Raw("{}", declared: 1000), "larger than" },
        { "header length 2^63", Raw("{}", declared: 1UL << 63), "limit" },
        { "header length just over 100 MB", Raw("{}", declared: 100_000_001), "limit" },
        { "header length 0", Raw("", declared: 0), "at least" },
        { "bad JSON", Raw("{\"a\": {\"dtype\": \"F32\", "), "not valid JSON" },
        { "header is an array", Raw("[1, 2]  "), "JSON object" },
        { "invalid UTF-8", Raw(new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' }), "not valid UTF-8" },
        { "too deep", Raw(new string('[', 100) + new string(']', 100)), "not valid JSON" },
        { "entry not an object", Raw("{\"a\": 5}"), "'a'" },
        { "missing dtype", Raw("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", Floats(1)), "dtype" },
        { "F16 dtype", Raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", Floats(1)), "\"F16\", which Recur does not support" },
        { "BF16 dtype", Raw("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", Floats(1)), "BF16" },
        { "unknown dtype", Raw("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", Floats(1)), "expected F32, F64, I32, I64 or BOOL" },
        { "negative dim", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", Floats(1)), "shape element 0" },
        { "fractional dim", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", Floats(1)), "shape element 0" },
        { "shape not array", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}}", Floats(1)), "shape" },
        { "offsets wrong arity", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", Floats(1)), "data_offsets" },
        { "offsets negative", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", Floats(1)), "non-negative" },
        { "begin after end", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", Floats(1)), "begin after end" },
        { "offsets out of range", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", Floats(1)), "past the end" },
        { "offsets far out of range", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775800,9223372036854775804]}}", Floats(1)), "past the end" },
        { "wrong size", Raw("{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}", Floats(1)), "needs 8" },
        { "huge shape small offsets", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,4]}}", Floats(1)), "elements" },
        { "overlapping", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", Floats(1, 2)), "overlaps" },
        { "gap", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", Floats(1, 2)), "belong to no tensor" },
        { "trailing data", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", Floats(1, 2)), "cover 4 bytes" },
        { "duplicate name", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", Floats(1, 2)), "twice" },
        { "metadata not strings", Raw("{\"__metadata__\":{\"epoch\":3}}"), "must be a string" },
        { "metadata not object", Raw("{\"__metadata__\":[]}"), "object of strings" },
        { "bool byte 2", Raw("{\"a\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[] { 1, 2 }), "0 or 1" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Load_MalformedFile_ThrowsInvalidDataExceptionWithoutAllocating(string what, byte[] file, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("bad.safetensors"), file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(dir.File("bad.safetensors")));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 << 20, $"{what}: allocated {allocated} bytes before rejecting the file");
        Assert.Contains("not a valid safetensors file", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_TruncatedAtEveryOffset_ThrowsInvalidDataException()
    {
        using var dir = new TempDir();
        Safetensors.Save(dir.File("ok"), SampleArrays.All());
        var good = File.ReadAllBytes(dir.File("ok"));
        for (int n = 0; n < good.Length; n++)
        {
            File.WriteAllBytes(dir.File("cut"), good.AsSpan(0, n).ToArray());
            Assert.Throws<InvalidDataException>(() => Safetensors.Load(dir.File("cut")));
        }
    }

    [Fact]
    public void Save_ReservedOrEmptyName_ThrowsArgumentException()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => Safetensors.Save(dir.File("x"), new Dictionary<string, NDArray> { ["__metadata__"] = NDArray.Scalar(1f) }));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(dir.File("x"), new Dictionary<string, NDArray> { [""] = NDArray.Scalar(1f) }));
        Assert.Throws<FileNotFoundException>(() => Safetensors.Load(dir.File("x")));
    }

    [Fact]
    public void ExportImportVariables_RnnGraph_RoundTripsUnderTfNames()
    {
        using var dir = new TempDir();
        Tensor Build(Graph g, int seed)
        {
            using (g.AsDefault())
            {
                var x = Tf.Constant(new NDArray(TestUtil.RandomFloats(2 * 4 * 3, 5), new Shape(2, 4, 3)));
                var cell = new Recur.Rnn.GruCell(5, kernelInitializer: Initializers.RandomUniform(-1, 1, seed), resetAfter: true);
                return Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32).Outputs;
            }
        }
        var g1 = new Graph();
        var y1 = Build(g1, 1);
        using var s1 = new Session(g1);
        using (g1.AsDefault()) s1.Run(Tf.GlobalVariablesInitializer());
        Safetensors.ExportVariables(s1, dir.File("gru.safetensors"), metadata: new Dictionary<string, string> { ["source"] = "recur" });
        var names = Safetensors.Load(dir.File("gru.safetensors")).Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(g1.Variables.Select(v => v.Name).Order(StringComparer.Ordinal), names);
        Assert.Contains("rnn/gru_cell/candidate/hidden_projection/kernel", names);

        var g2 = new Graph();
        var y2 = Build(g2, 2);
        using var s2 = new Session(g2);
        Safetensors.ImportVariables(s2, dir.File("gru.safetensors"));
        SampleArrays.AssertSame(s1.Run(y1), s2.Run(y2), "GRU outputs");
    }

    [Fact]
    public void ImportVariables_MissingTensor_ThrowsKeyNotFoundWithCloseMatches()
    {
        using var dir = new TempDir();
        Safetensors.Save(dir.File("w"), new Dictionary<string, NDArray> { ["rnn/lstm_cell/kernal"] = new NDArray(new float[6], new Shape(2, 3)) });
        var g = new Graph();
        using (g.AsDefault()) Tf.GetVariable("rnn/lstm_cell/kernel", new Shape(2, 3));
        using var s = new Session(g);
        var e = Assert.Throws<KeyNotFoundException>(() => Safetensors.ImportVariables(s, dir.File("w")));
        Assert.Contains("'rnn/lstm_cell/kernel'", e.Message);
        Assert.Contains("'rnn/lstm_cell/kernal'", e.Message);
    }
}

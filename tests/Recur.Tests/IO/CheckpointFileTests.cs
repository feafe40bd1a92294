using System.Buffers.Binary;
using System.Text;
using Recur.IO;

namespace Recur.Tests.IO;

/// <summary>Builds checkpoint files byte by byte, with correct checksums, so tests can make files that lie consistently.</summary>
internal sealed class RawCheckpoint
{
    private readonly List<byte> _body = new();

    public static byte[] Header(ulong count, uint version = 1, uint flags = 0)
    {
        var h = new byte[28];
        "RECURCKP"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), version);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(12), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(16), count);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), Crc32.Compute(h.AsSpan(0, 24)));
        return h;
    }

    public RawCheckpoint(ulong count, uint version = 1, uint flags = 0) => _body.AddRange(Header(count, version, flags));

    /// <summary>Appends an entry whose metadata says what the arguments say (consistent or not) and whose checksums are right.</summary>
    public RawCheckpoint Entry(string name, byte dtypeCode, long[] dims, ulong byteLength, byte[] data, uint? nameLength = null, byte reserved = 0)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var meta = new List<byte>();
        var u32 = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(u32, nameLength ?? (uint)nameBytes.Length);
        meta.AddRange(u32);
        meta.AddRange(nameBytes);
        meta.AddRange(new byte[] { dtypeCode, (byte)dims.Length, reserved, 0 });
        var u64 = new byte[8];
        foreach (long d in dims) { BinaryPrimitives.WriteInt64LittleEndian(u64, d); meta.AddRange(u64); }
        BinaryPrimitives.WriteUInt64LittleEndian(u64, byteLength);
        meta.AddRange(u64);
        _body.AddRange(meta);
        BinaryPrimitives.WriteUInt32LittleEndian(u32, Crc32.Compute(meta.ToArray()));
        _body.AddRange(u32);
        _body.AddRange(data);
        BinaryPrimitives.WriteUInt32LittleEndian(u32, Crc32.Compute(data));
        _body.AddRange(u32);
        return this;
    }

    public RawCheckpoint Bytes(params byte[] b) { _body.AddRange(b); return this; }

    public byte[] Build(bool footer = true)
    {
        var all = new List<byte>(_body);
        if (footer)
        {
            all.AddRange("RECUREND"u8.ToArray());
            var u32 = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(u32, Crc32.Compute(_body.ToArray()));
            all.AddRange(u32);
        }
        return all.ToArray();
    }
}

public sealed class CheckpointFileTests
{
    [Fact]
    public void SaveLoad_EveryDTypeScalarsAndEmptyArrays_RoundTripBitExact()
    {
        using var dir = new TempDir();
        var arrays = SampleArrays.All();
        var path = dir.File("all.rckpt");
        CheckpointFile.Save(path, arrays);
        SampleArrays.AssertSame(arrays, CheckpointFile.Load(path));
        Assert.Equal(new[] { "all.rckpt" }, dir.Names());   // no temp file left behind
    }

    [Fact]
    public void SaveLoad_EmptyDictionary_RoundTrips()
    {
        using var dir = new TempDir();
        CheckpointFile.Save(dir.File("e"), new Dictionary<string, NDArray>());
        Assert.Empty(CheckpointFile.Load(dir.File("e")));
        Assert.Equal(28 + 12, new FileInfo(dir.File("e")).Length);
    }

    [Fact]
    public void SaveLoad_LargeArrayAcrossManyChunks_RoundTrips()
    {
        using var dir = new TempDir();
        var big = new NDArray(TestUtil.RandomDoubles(300_001, 3), new Shape(300_001));   // 2.4 MB, > 2 chunks
        CheckpointFile.Save(dir.File("big"), new Dictionary<string, NDArray> { ["big"] = big });
        SampleArrays.AssertSame(big, CheckpointFile.Load(dir.File("big"))["big"], "big");
    }

    [Fact]
    public void ListEntries_SavedFile_ListsNamesDTypesAndShapesInNameOrder()
    {
        using var dir = new TempDir();
        var arrays = SampleArrays.All();
        CheckpointFile.Save(dir.File("c"), arrays);
        var entries = CheckpointFile.ListEntries(dir.File("c"));
        Assert.Equal(arrays.Keys.Order(StringComparer.Ordinal), entries.Select(e => e.Name));
        foreach (var e in entries)
        {
            Assert.Equal(arrays[e.Name].DType, e.DType);
            Assert.Equal(arrays[e.Name].Shape, e.Shape);
        }
    }

    [Fact]
    public void Save_ByteLayout_MatchesTheDocumentedFormat()
    {
        using var dir = new TempDir();
        CheckpointFile.Save(dir.File("x"), new Dictionary<string, NDArray> { ["w"] = new NDArray(new[] { 1f, 2f }, new Shape(1, 2)) });
        var expected = new RawCheckpoint(1).Entry("w", 1, new long[] { 1, 2 }, 8, BitConverter.GetBytes(1f).Concat(BitConverter.GetBytes(2f)).ToArray()).Build();
        Assert.Equal(expected, File.ReadAllBytes(dir.File("x")));
    }

    [Fact]
    public void Load_EveryByteFlipped_ThrowsInvalidDataException()
    {
        using var dir = new TempDir();
        var arrays = new Dictionary<string, NDArray>
        {
            ["a"] = new NDArray(new[] { 1.0, 2.0, 3.0 }, new Shape(3)),
            ["b/c"] = new NDArray(new[] { true, false }, new Shape(2)),
            ["s"] = NDArray.Scalar(7),
        };
        var path = dir.File("ok");
        CheckpointFile.Save(path, arrays);
        var good = File.ReadAllBytes(path);
        var bad = dir.File("bad");
        for (int i = 0; i < good.Length; i++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                var b = (byte[])good.Clone();
                b[i] ^= mask;
                File.WriteAllBytes(bad, b);
                var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(bad));
                Assert.Contains("not a valid Recur checkpoint", e.Message);
            }
        }
    }

    [Fact]
    public void Load_DataByteFlipped_ReportsDataChecksumMismatchNamingTheEntry()
    {
        using var dir = new TempDir();
        CheckpointFile.Save(dir.File("c"), new Dictionary<string, NDArray> { ["rnn/kernel"] = new NDArray(new[] { 1.0, 2.0 }, new Shape(2)) });
        var b = File.ReadAllBytes(dir.File("c"));
        int dataStart = 28 + 4 + "rnn/kernel".Length + 4 + 8 + 8 + 4;
        b[dataStart + 3] ^= 0x10;
        File.WriteAllBytes(dir.File("c"), b);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir.File("c")));
        Assert.Contains("data checksum mismatch", e.Message);
        Assert.Contains("'rnn/kernel'", e.Message);
    }

    [Fact]
    public void Load_TruncatedAtEveryOffset_ThrowsInvalidDataException()
    {
        using var dir = new TempDir();
        var path = dir.File("ok");
        CheckpointFile.Save(path, SampleArrays.All());
        var good = File.ReadAllBytes(path);
        var cut = dir.File("cut");
        for (int n = 0; n < good.Length; n++)
        {
            File.WriteAllBytes(cut, good.AsSpan(0, n).ToArray());
            Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(cut));
            Assert.Throws<InvalidDataException>(() => CheckpointFile.ListEntries(cut));
        }
    }

    [Fact]
    public void Load_TrailingBytes_ThrowsInvalidDataException()
    {
        using var dir = new TempDir();
        CheckpointFile.Save(dir.File("c"), SampleArrays.All());
        File.AppendAllText(dir.File("c"), "x");
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir.File("c")));
        Assert.Contains("after the footer", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("RECUR")]
    [InlineData("PK\u0003\u0004 this is a zip file, not a checkpoint at all")]
    [InlineData("{\"json\": true, \"padding\": \"................\"}")]
    public void Load_NotACheckpoint_ReportsBadMagic(string content)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x"), content);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir.File("x")));
        Assert.True(e.Message.Contains("RECURCKP", StringComparison.Ordinal) || e.Message.Contains("truncated", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void Load_FutureVersion_ReportsUnsupportedVersion()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("v2"), new RawCheckpoint(0, version: 2).Build());
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir.File("v2")));
        Assert.Contains("unsupported format version 2", e.Message);
        File.WriteAllBytes(dir.File("f"), new RawCheckpoint(0, flags: 1).Build());
        Assert.Contains("flags", Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir.File("f"))).Message);
    }

    /// <summary>Files whose checksums are all correct but whose sizes lie: rejected before any large allocation.</summary>
    public static TheoryData<string, byte[]> HugeDeclarations() => new()
    {
        { "entry count 2^63", new RawCheckpoint(1UL << 63).Build() },
        { "entry count ulong.Max", new RawCheckpoint(ulong.MaxValue).Entry("a", 1, new long[] { 1 }, 4, new byte[4]).Build() },
        { "name length 4 GB", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 }, 4, new byte[4], nameLength: uint.MaxValue).Build() },
        { "name length 60 KB past the end", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 }, 4, new byte[4], nameLength: 60_000).Build() },
        { "dims 2^31 x 2^31", new RawCheckpoint(1).Entry("a", 2, new long[] { int.MaxValue, int.MaxValue }, 8, new byte[8]).Build() },
        { "dim 2^40", new RawCheckpoint(1).Entry("a", 1, new long[] { 1L << 40 }, 4UL << 40, new byte[4]).Build() },
        { "negative dim", new RawCheckpoint(1).Entry("a", 1, new long[] { -1 }, 4, new byte[4]).Build() },
        { "1 G floats declared, 4 bytes present", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 << 30 }, 4UL << 30, new byte[4]).Build() },
        { "byte length ulong.Max", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 }, ulong.MaxValue, new byte[4]).Build() },
        { "byte length not prod(shape)*itemsize", new RawCheckpoint(1).Entry("a", 1, new long[] { 3 }, 8, new byte[8]).Build() },
        { "rank 200", new RawCheckpoint(1).Entry("a", 1, Enumerable.Repeat(1L, 200).ToArray(), 4, new byte[4]).Build() },
        { "unknown dtype code", new RawCheckpoint(1).Entry("a", 9, new long[] { 1 }, 4, new byte[4]).Build() },
        { "variant dtype code 0", new RawCheckpoint(1).Entry("a", 0, new long[] { 1 }, 4, new byte[4]).Build() },
        { "reserved bytes", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 }, 4, new byte[4], reserved: 1).Build() },
        { "empty name", new RawCheckpoint(1).Entry("", 1, new long[] { 1 }, 4, new byte[4]).Build() },
        { "bool byte 2", new RawCheckpoint(1).Entry("a", 5, new long[] { 2 }, 2, new byte[] { 1, 2 }).Build() },
        { "duplicate names", new RawCheckpoint(2).Entry("a", 1, new long[] { 1 }, 4, new byte[4]).Entry("a", 1, new long[] { 1 }, 4, new byte[4]).Build() },
        { "fewer entries than declared", new RawCheckpoint(2).Entry("a", 1, new long[] { 1 }, 4, new byte[4]).Build() },
        { "more entries than declared", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 }, 4, new byte[4]).Entry("b", 1, new long[] { 1 }, 4, new byte[4]).Build() },
        { "no footer", new RawCheckpoint(1).Entry("a", 1, new long[] { 1 }, 4, new byte[4]).Build(footer: false) },
        { "invalid UTF-8 name", new RawCheckpoint(1).Entry("\uFFFD", 1, new long[] { 1 }, 4, new byte[4]).Build() is var f ? PatchName(f) : f },
    };

    private static byte[] PatchName(byte[] file)
    {
        // Replace the 3-byte UTF-8 of U+FFFD by an invalid sequence and fix the metadata checksum, so only UTF-8 is wrong.
        var b = (byte[])file.Clone();
        b[32] = 0xC3; b[33] = 0x28; b[34] = 0xFF;
        int metaLen = 4 + 3 + 4 + 8 + 8;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(28 + metaLen), Crc32.Compute(b.AsSpan(28, metaLen)));
        int end = b.Length - 12;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(end + 8), Crc32.Compute(b.AsSpan(0, end)));
        return b;
    }

    [Theory]
    [MemberData(nameof(HugeDeclarations))]
    public void Load_ConsistentChecksumsButImpossibleSizes_ThrowsInvalidDataExceptionWithoutAllocating(string what, byte[] file)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("h"), file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir.File("h")));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 << 20, $"{what}: allocated {allocated} bytes before rejecting the file ({e.Message})");
        Assert.Contains("not a valid Recur checkpoint", e.Message);
        if (what != "bool byte 2")   // ListEntries does not read the data
            Assert.Throws<InvalidDataException>(() => CheckpointFile.ListEntries(dir.File("h")));
    }

    [Fact]
    public void Load_MissingFileOrDirectory_ThrowsClearExceptions()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => CheckpointFile.Load(dir.File("nope")));
        var e = Assert.Throws<ArgumentException>(() => CheckpointFile.Load(dir.Path));
        Assert.Contains("LatestCheckpoint", e.Message);
    }

    [Fact]
    public void Save_InvalidNamesOrDTypes_ThrowsArgumentException()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => CheckpointFile.Save(dir.File("x"), new Dictionary<string, NDArray> { [""] = NDArray.Scalar(1f) }));
        Assert.Throws<ArgumentException>(() => CheckpointFile.Save(dir.File("x"), new Dictionary<string, NDArray> { [new string('n', 70_000)] = NDArray.Scalar(1f) }));
        Assert.Empty(dir.Names());
    }
}

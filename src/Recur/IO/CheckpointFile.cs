using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Recur.IO;

/// <summary>One tensor recorded in a checkpoint file (TF: an entry of <c>tf.train.list_variables</c>): its name, dtype and shape (see <see cref="CheckpointFile.ListEntries"/>).</summary>
/// <param name="Name">The variable name, e.g. <c>rnn/lstm_cell/kernel</c>.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The shape (fully defined).</param>
public sealed record CheckpointEntry(string Name, DType DType, Recur.Shape Shape);

/// <summary>
/// Recur's checkpoint file (format version 1, <c>docs/decisions/0009-checkpoint-format.md</c>): a self-describing,
/// checksummed, little-endian binary file of named arrays. <see cref="Tf.Train.Saver"/> writes and reads these; this
/// class is the file-level API (TF equivalent: <c>tf.train.load_checkpoint</c> / <c>tf.train.list_variables</c>).
/// </summary>
/// <remarks>
/// Layout: header <c>"RECURCKP"</c>, u32 version, u32 flags, u64 entry count, u32 CRC-32 of the header; per entry
/// u32 name length, UTF-8 name, u8 dtype, u8 rank, u16 reserved, i64 dims[rank], u64 byte length, u32 CRC-32 of
/// those metadata bytes, the data, u32 CRC-32 of the data; footer <c>"RECUREND"</c> and u32 CRC-32 of every byte
/// before the footer. Reading validates every length against the bytes left in the file before allocating, so a
/// corrupt or hostile file gives an <see cref="InvalidDataException"/>, never an out-of-memory or index error.
/// </remarks>
/// <example><code>CheckpointFile.Save("weights.rckpt", new Dictionary&lt;string, NDArray&gt; { ["w"] = new NDArray(1f, 2f) });
/// var arrays = CheckpointFile.Load("weights.rckpt");   // arrays["w"]</code></example>
public static class CheckpointFile
{
    internal static ReadOnlySpan<byte> Magic => "RECURCKP"u8;
    internal static ReadOnlySpan<byte> EndMagic => "RECUREND"u8;

    /// <summary>The format version this build writes and the only one it reads.</summary>
    public const int FormatVersion = 1;

    internal const int HeaderSize = 8 + 4 + 4 + 8 + 4;
    internal const int FooterSize = 8 + 4;
    internal const int MaxNameBytes = 1 << 16;
    internal const int MaxRank = 64;
    // name length (4) + ≥ 1 name byte + dtype/rank/reserved (4) + byte length (8) + meta CRC (4) + data CRC (4).
    private const int MinEntrySize = 4 + 1 + 4 + 8 + 4 + 4;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="arrays"/> to <paramref name="path"/> atomically (temp file, fsync, rename), in name order.</summary>
    /// <exception cref="ArgumentException">A name is empty or longer than 65,536 UTF-8 bytes, or an array has a non-storable dtype.</exception>
    /// <exception cref="IOException">The file could not be written; an existing file at <paramref name="path"/> is unchanged.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, NDArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arrays);
        Write(path, arrays.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToList(), "CheckpointFile.Save");
    }

    /// <summary>Reads every array of the checkpoint at <paramref name="path"/>, verifying all checksums.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a Recur checkpoint, is of an unsupported version, is
    /// truncated or corrupt (checksum mismatch), or declares impossible sizes.</exception>
    public static IReadOnlyDictionary<string, NDArray> Load(string path)
    {
        var result = new Dictionary<string, NDArray>(StringComparer.Ordinal);
        ReadFile(path, readData: true, (e, a) => result.Add(e.Name, a!));
        return result;
    }

    /// <summary>
    /// The names, dtypes and shapes in a checkpoint without reading the data (the header and per-entry metadata
    /// checksums are verified; the data checksums are not: use <see cref="Load"/> for that).
    /// </summary>
    /// <exception cref="InvalidDataException">As for <see cref="Load"/>.</exception>
    public static IReadOnlyList<CheckpointEntry> ListEntries(string path)
    {
        var result = new List<CheckpointEntry>();
        ReadFile(path, readData: false, (e, _) => result.Add(e));
        return result;
    }

    /// <summary>Writes the entries in the given order (the Saver passes its own order).</summary>
    internal static void Write(string path, IReadOnlyList<(string Name, NDArray Value)> entries, string who)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in entries)
        {
            ArgumentNullException.ThrowIfNull(value, name);
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"{who}: array names must be non-empty.");
            if (StrictUtf8.GetByteCount(name) > MaxNameBytes)
                throw new ArgumentException($"{who}: the name '{name[..40]}…' is longer than {MaxNameBytes} UTF-8 bytes.");
            if (value.DType is not (DType.Float32 or DType.Float64 or DType.Int32 or DType.Int64 or DType.Bool))
                throw new ArgumentException($"{who}: '{name}' has dtype {value.DType}, which cannot be saved; expected Float32, Float64, Int32, Int64 or Bool.");
            if (value.Rank > MaxRank)
                throw new ArgumentException($"{who}: '{name}' has rank {value.Rank}; at most {MaxRank} can be saved.");
            if (!seen.Add(name)) throw new ArgumentException($"{who}: the name '{name}' appears twice.");
        }

        AtomicFile.Write(path, stream =>
        {
            var w = new ChecksummedWriter(stream);
            Span<byte> header = stackalloc byte[HeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
            BinaryPrimitives.WriteUInt64LittleEndian(header[16..], (ulong)entries.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Crc32.Compute(header[..24]));
            w.Write(header);

            foreach (var (name, value) in entries)
            {
                var nameBytes = StrictUtf8.GetBytes(name);
                var meta = new byte[4 + nameBytes.Length + 4 + 8 * value.Rank + 8];
                var m = meta.AsSpan();
                BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)nameBytes.Length);
                nameBytes.CopyTo(m[4..]);
                int p = 4 + nameBytes.Length;
                m[p] = DTypeCode(value.DType);
                m[p + 1] = (byte)value.Rank;
                BinaryPrimitives.WriteUInt16LittleEndian(m[(p + 2)..], 0);
                p += 4;
                foreach (int d in value.Shape.Dims) { BinaryPrimitives.WriteInt64LittleEndian(m[p..], d); p += 8; }
                BinaryPrimitives.WriteUInt64LittleEndian(m[p..], (ulong)value.Size * (ulong)value.DType.Size());
                w.Write(meta);
                w.WriteUInt32(Crc32.Compute(meta));

                w.EntryCrc = new Crc32();
                TensorBytes.Write(value, w);
                w.WriteUInt32(w.EntryCrc.Value);
            }

            Span<byte> footer = stackalloc byte[FooterSize];
            EndMagic.CopyTo(footer);
            BinaryPrimitives.WriteUInt32LittleEndian(footer[8..], w.FileCrc.Value);
            stream.Write(footer);
        });
    }

    /// <summary>Reads and validates a checkpoint, calling <paramref name="onEntry"/> for each entry (array null when not reading data).</summary>
    internal static void ReadFile(string path, bool readData, Action<CheckpointEntry, NDArray?> onEntry)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new ArgumentException($"CheckpointFile: '{path}' is a directory, not a checkpoint file; use Tf.Train.Saver.LatestCheckpoint(directory) to find the newest checkpoint in it.", nameof(path));
        if (!File.Exists(path))
            throw new FileNotFoundException($"CheckpointFile: there is no checkpoint file '{path}'.", path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var r = new ChecksummedReader(fs, path);

        if (r.Remaining < HeaderSize)
        {
            Span<byte> start = stackalloc byte[(int)Math.Min(r.Remaining, 8)];
            r.Read(start);
            throw Magic.StartsWith(start)
                ? r.Corrupt($"the file is {fs.Length} bytes long, shorter than the {HeaderSize}-byte header (truncated)")
                : r.Corrupt($"not a Recur checkpoint: expected the magic bytes \"RECURCKP\", but the file is only {fs.Length} bytes long");
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        r.Read(header);
        if (!header[..8].SequenceEqual(Magic))
            throw r.Corrupt($"not a Recur checkpoint: expected the magic bytes \"RECURCKP\", but found {Describe(header[..8])}");
        uint headerCrc = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        if (Crc32.Compute(header[..24]) != headerCrc)
            throw r.Corrupt($"header checksum mismatch (stored 0x{headerCrc:X8}, computed 0x{Crc32.Compute(header[..24]):X8})");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
            throw r.Corrupt($"unsupported format version {version}; this build of Recur reads version {FormatVersion}");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (flags != 0)
            throw r.Corrupt($"unsupported header flags 0x{flags:X8}; version {FormatVersion} expects 0");
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
        ulong maxCount = (ulong)Math.Max(0, r.Remaining - FooterSize) / MinEntrySize;
        if (count > maxCount)
            throw r.Corrupt($"the header declares {count} entries, but the {r.Remaining} bytes after it can hold at most {maxCount}");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < count; i++)
        {
            var (entry, byteLength) = ReadEntryMeta(r, i);
            if (!names.Add(entry.Name)) throw r.Corrupt($"entry #{i} repeats the name '{entry.Name}'");
            string what = $"entry #{i} ('{entry.Name}')";
            r.EntryCrc = new Crc32();
            NDArray? array = null;
            if (readData)
                array = TensorBytes.Read(entry.DType, (int)entry.Shape.NumElements, entry.Shape, r);
            else
                r.Skip(byteLength);
            uint computed = r.EntryCrc.Value;
            uint stored = r.ReadUInt32();
            if (readData && stored != computed)
                throw r.Corrupt($"data checksum mismatch in {what} (stored 0x{stored:X8}, computed 0x{computed:X8})");
            if (array is not null) TensorBytes.CheckBools(array, why => r.Corrupt($"{what}: {why}"));
            onEntry(entry, array);
        }

        if (r.Remaining < FooterSize)
            throw r.Corrupt($"the file ends {r.Remaining} bytes after the last entry; expected the {FooterSize}-byte footer (truncated)");
        uint fileCrc = r.FileCrc.Value;
        Span<byte> footer = stackalloc byte[FooterSize];
        r.Read(footer);
        if (!footer[..8].SequenceEqual(EndMagic))
            throw r.Corrupt($"expected the footer magic \"RECUREND\" after {count} entries, but found {Describe(footer[..8])}");
        uint storedFileCrc = BinaryPrimitives.ReadUInt32LittleEndian(footer[8..]);
        if (readData && storedFileCrc != fileCrc)
            throw r.Corrupt($"file checksum mismatch (stored 0x{storedFileCrc:X8}, computed 0x{fileCrc:X8})");
        if (r.Remaining != 0)
            throw r.Corrupt($"{r.Remaining} unexpected bytes after the footer");
    }

    private static (CheckpointEntry Entry, long ByteLength) ReadEntryMeta(ChecksummedReader r, ulong index)
    {
        var metaCrc = new Crc32();
        if (r.Remaining < MinEntrySize + FooterSize)
            throw r.Corrupt($"the file ends in entry #{index}: {r.Remaining} bytes left, fewer than the smallest entry and the footer need (truncated)");
        Span<byte> four = stackalloc byte[4];
        r.Read(four);
        metaCrc.Append(four);
        uint nameLength = BinaryPrimitives.ReadUInt32LittleEndian(four);
        if (nameLength == 0 || nameLength > MaxNameBytes)
            throw r.Corrupt($"entry #{index} declares a name of {nameLength} bytes; expected 1 to {MaxNameBytes}");
        if (nameLength > r.Remaining - (MinEntrySize - 5) - FooterSize)
            throw r.Corrupt($"entry #{index} declares a name of {nameLength} bytes, but only {r.Remaining} bytes are left in the file (truncated or corrupt)");
        var nameBytes = new byte[nameLength];
        r.Read(nameBytes);
        metaCrc.Append(nameBytes);

        Span<byte> typeRank = stackalloc byte[4];
        r.Read(typeRank);
        metaCrc.Append(typeRank);
        int rank = typeRank[1];
        if (rank > MaxRank)
            throw r.Corrupt($"entry #{index} declares rank {rank}; at most {MaxRank} is supported");
        long needed = 8L * rank + 8 + 4 + 4 + FooterSize;
        if (needed > r.Remaining)
            throw r.Corrupt($"entry #{index} needs {needed} more bytes for its dimensions, length and checksums, but only {r.Remaining} are left (truncated)");
        Span<byte> rest = stackalloc byte[8 * MaxRank + 8];
        rest = rest[..(8 * rank + 8)];
        r.Read(rest);
        metaCrc.Append(rest);
        uint storedMetaCrc = r.ReadUInt32();
        if (storedMetaCrc != metaCrc.Value)
            throw r.Corrupt($"metadata checksum mismatch in entry #{index} (stored 0x{storedMetaCrc:X8}, computed 0x{metaCrc.Value:X8})");

        // The checksum matched: what follows is what the writer meant, but a crafted file can still lie; check it all.
        string name;
        try { name = StrictUtf8.GetString(nameBytes); }
        catch (DecoderFallbackException) { throw r.Corrupt($"the name of entry #{index} is not valid UTF-8"); }
        string what = $"entry #{index} ('{name}')";
        var dtype = DTypeFromCode(typeRank[0])
            ?? throw r.Corrupt($"{what} has the unknown dtype code {typeRank[0]}; expected 1 (float32), 2 (float64), 3 (int32), 4 (int64) or 5 (bool)");
        if (typeRank[2] != 0 || typeRank[3] != 0)
            throw r.Corrupt($"{what} has non-zero reserved bytes; version {FormatVersion} expects 0");
        var dims = new long[rank];
        var intDims = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt64LittleEndian(rest[(8 * d)..]);
            if (dims[d] < 0 || dims[d] > int.MaxValue)
                throw r.Corrupt($"{what} has dimension {d} = {dims[d]}; expected 0 to {int.MaxValue}");
            intDims[d] = (int)dims[d];
        }
        long elements = TensorBytes.ElementCount(dims);
        if (elements < 0)
            throw r.Corrupt($"{what} declares shape ({string.Join(", ", dims)}), more than {Array.MaxLength} elements");
        ulong byteLength = BinaryPrimitives.ReadUInt64LittleEndian(rest[(8 * rank)..]);
        ulong expectedBytes = (ulong)elements * (ulong)dtype.Size();
        if (byteLength != expectedBytes)
            throw r.Corrupt($"{what} declares {byteLength} data bytes, but shape ({string.Join(", ", dims)}) of {dtype.TfName()} needs {expectedBytes}");
        if (byteLength > (ulong)(r.Remaining - 4 - FooterSize))
            throw r.Corrupt($"{what} declares {byteLength} data bytes, but only {r.Remaining} bytes are left in the file (truncated)");
        return (new CheckpointEntry(name, dtype, new Recur.Shape(intDims)), (long)byteLength);
    }

    internal static byte DTypeCode(DType dtype) => dtype switch
    {
        DType.Float32 => 1,
        DType.Float64 => 2,
        DType.Int32 => 3,
        DType.Int64 => 4,
        DType.Bool => 5,
        _ => 0,
    };

    private static DType? DTypeFromCode(byte code) => code switch
    {
        1 => DType.Float32,
        2 => DType.Float64,
        3 => DType.Int32,
        4 => DType.Int64,
        5 => DType.Bool,
        _ => null,
    };

    private static string Describe(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes) sb.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        return $"\"{sb}\" ({Convert.ToHexString(bytes)})";
    }

    /// <summary>A stream writer that checksums the whole file and the current entry's data.</summary>
    private sealed class ChecksummedWriter(Stream stream) : IByteSink
    {
        public Crc32 FileCrc = new();
        public Crc32 EntryCrc = new();

        public void Write(ReadOnlySpan<byte> bytes)
        {
            FileCrc.Append(bytes);
            EntryCrc.Append(bytes);
            stream.Write(bytes);
        }

        public void WriteUInt32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            Write(b);
        }
    }

    /// <summary>A bounded reader that tracks the position, checksums what it reads, and reports truncation clearly.</summary>
    private sealed class ChecksummedReader(FileStream stream, string path) : IByteSource
    {
        private readonly long _length = stream.Length;
        private long _position;
        public Crc32 FileCrc = new();
        public Crc32 EntryCrc = new();

        public long Remaining => _length - _position;

        public void Read(Span<byte> into)
        {
            if (into.Length > Remaining)
                throw Corrupt($"unexpected end of file: {into.Length} bytes needed, {Remaining} left (truncated)");
            int got = stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
            if (got < into.Length)
                throw Corrupt($"unexpected end of file at byte {_position + got} (the file shrank while being read?)");
            _position += into.Length;
            FileCrc.Append(into);
            EntryCrc.Append(into);
        }

        public uint ReadUInt32()
        {
            Span<byte> b = stackalloc byte[4];
            Read(b);
            return BinaryPrimitives.ReadUInt32LittleEndian(b);
        }

        public void Skip(long bytes)
        {
            if (bytes > Remaining) throw Corrupt($"unexpected end of file: {bytes} bytes needed, {Remaining} left (truncated)");
            stream.Seek(bytes, SeekOrigin.Current);
            _position += bytes;
        }

        [SuppressMessage("Design", "CA1822", Justification = "reads the path")]
        public InvalidDataException Corrupt(string why) =>
            new($"CheckpointFile: '{path}' is not a valid Recur checkpoint: {why}.");
    }
}

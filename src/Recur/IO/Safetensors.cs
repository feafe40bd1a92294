using System.Buffers.Binary;
using System.Text.Json;

namespace Recur.IO;

/// <summary>
/// The Hugging Face <c>safetensors</c> format, to exchange weights with PyTorch, Keras, JAX and the Hugging Face hub:
/// an 8-byte little-endian header length N, an N-byte UTF-8 JSON header
/// <c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}</c>,
/// then the raw little-endian, row-major tensor data; offsets are relative to the first byte after the header.
/// </summary>
/// <remarks>
/// <para>Supported dtypes: <c>F32</c>, <c>F64</c>, <c>I32</c>, <c>I64</c>, <c>BOOL</c> (Recur's element types). Other
/// dtypes (<c>F16</c>, <c>BF16</c>, <c>I8</c>, …) are rejected with a message naming them; convert them to float32
/// first (<c>{k: v.float() for k, v in state_dict.items()}</c>).</para>
/// <para>Loading treats the file as untrusted: the header length is checked against the file size and capped at
/// 100 MB; every entry must have a known dtype, a shape of non-negative dimensions, and offsets inside the data
/// section whose size is exactly prod(shape)·itemsize; entries must tile the data section without overlaps or
/// gaps (as the format requires); bool bytes must be 0 or 1. Any violation is an <see cref="InvalidDataException"/>
/// before anything is allocated for the data.</para>
/// <para>Python: <c>safetensors.torch.save_file(model.state_dict(), "m.safetensors")</c> writes a file
/// <see cref="Load"/> reads; <c>safetensors.torch.load_file</c> reads what <see cref="Save"/> writes.</para>
/// </remarks>
/// <example><code>var torch = Safetensors.Load("lstm.safetensors");        // "lstm.weight_ih_l0", ...
/// RnnWeightImport.LoadTorchLstm(sess, torch, "lstm", layer: 0, recurScope: "rnn/lstm_cell", cellForgetBias: 0);
/// Safetensors.ExportVariables(sess, "recur.safetensors");             // every variable, by its TF name</code></example>
public static class Safetensors
{
    /// <summary>Headers larger than this are rejected (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> (in name order) and optional string metadata to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">A name is empty or <c>__metadata__</c>, or a dtype cannot be stored.</exception>
    /// <exception cref="IOException">Writing failed; an existing file at <paramref name="path"/> is unchanged.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, NDArray> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, a) in ordered)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Safetensors.Save: tensor names must be non-empty.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"Safetensors.Save: '{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (a is null) throw new ArgumentException($"Safetensors.Save: tensor '{name}' is null.", nameof(tensors));
            _ = DTypeName(a.DType, name);
        }

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is not null)
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(v, k);
                    w.WriteString(k, v);
                }
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, a) in ordered)
            {
                long bytes = (long)a.Size * a.DType.Size();
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypeName(a.DType, name));
                w.WriteStartArray("shape");
                foreach (int d in a.Shape.Dims) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
        int pad = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');
        var header = json.ToArray();

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            stream.Write(len);
            stream.Write(header);
            var sink = new StreamSink(stream);
            foreach (var (_, a) in ordered) TensorBytes.Write(a, sink);
        });
    }

    /// <summary>Reads every tensor of a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is malformed: header length larger than the file or the cap,
    /// header not a JSON object, unknown dtype, bad shape, offsets out of range, overlapping or leaving gaps, sizes
    /// not matching the shapes, or bool bytes other than 0 and 1.</exception>
    public static IReadOnlyDictionary<string, NDArray> Load(string path)
    {
        using var fs = Open(path);
        var (entries, _, dataStart) = ReadHeader(fs, path);
        var result = new Dictionary<string, NDArray>(StringComparer.Ordinal);
        var source = new StreamSource(fs, path);
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            fs.Seek(dataStart + e.Begin, SeekOrigin.Begin);
            var a = TensorBytes.Read(e.DType, (int)e.Shape.NumElements, e.Shape, source);
            TensorBytes.CheckBools(a, why => Bad(path, $"tensor '{e.Name}': {why}"));
            result.Add(e.Name, a);
        }
        return result;
    }

    /// <summary>The <c>__metadata__</c> strings of a safetensors file (empty when it has none); the header is validated as by <see cref="Load"/>.</summary>
    /// <exception cref="InvalidDataException">The header is malformed.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var fs = Open(path);
        return ReadHeader(fs, path).Metadata;
    }

    /// <summary>
    /// Writes variables' current values to a safetensors file under their TF names (<c>rnn/lstm_cell/kernel</c>).
    /// </summary>
    /// <param name="sess">The session holding the values.</param>
    /// <param name="path">The file to write (atomically).</param>
    /// <param name="vars">The variables; null for every variable of the session's graph.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    /// <exception cref="InvalidOperationException">A variable is not initialized, or there are none.</exception>
    /// <exception cref="ArgumentException">A variable belongs to another graph.</exception>
    public static void ExportVariables(Session sess, string path, IEnumerable<Variable>? vars = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(sess);
        var values = VariableValues.Read(sess, (vars ?? sess.Graph.Variables).Select(v => (v.Name, v)), "Safetensors.ExportVariables");
        var dict = new Dictionary<string, NDArray>(StringComparer.Ordinal);
        foreach (var (k, v) in values)
            if (!dict.TryAdd(k, v)) throw new ArgumentException($"Safetensors.ExportVariables: variable '{k}' is listed twice.", nameof(vars));
        Save(path, dict, metadata);
    }

    /// <summary>
    /// Assigns variables from a safetensors file whose tensor names are the variables' names (a file written by
    /// <see cref="ExportVariables"/>). Every variable is checked before any is assigned.
    /// </summary>
    /// <param name="sess">The session whose variables receive the values.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="vars">The variables; null for every variable of the session's graph.</param>
    /// <exception cref="KeyNotFoundException">A variable has no tensor in the file (close matches are named).</exception>
    /// <exception cref="ArgumentException">A tensor's shape or dtype differs from its variable's.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static void ImportVariables(Session sess, string path, IEnumerable<Variable>? vars = null)
    {
        ArgumentNullException.ThrowIfNull(sess);
        var entries = (vars ?? sess.Graph.Variables).Select(v => (v.Name, v)).ToList();
        VariableValues.Assign(sess, entries, Load(path), $"safetensors file '{path}'", "Safetensors.ImportVariables");
    }

    private sealed record Entry(string Name, DType DType, Recur.Shape Shape, long Begin, long End);

    private static FileStream Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Safetensors: there is no file '{path}'.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static InvalidDataException Bad(string path, string why) => new($"Safetensors: '{path}' is not a valid safetensors file: {why}.");

    private static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(FileStream fs, string path)
    {
        long fileLength = fs.Length;
        if (fileLength < 8)
            throw Bad(path, $"the file is {fileLength} bytes long; expected at least the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        fs.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n > MaxHeaderBytes)
            throw Bad(path, $"the header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        if (n > (ulong)(fileLength - 8))
            throw Bad(path, $"the header length {n} is larger than the {fileLength - 8} bytes that follow it (truncated, or not a safetensors file)");
        if (n < 2)
            throw Bad(path, $"the header length is {n}; a header is at least \"{{}}\"");
        var header = new byte[n];
        fs.ReadExactly(header);
        long dataStart = 8 + (long)n;
        long dataLength = fileLength - dataStart;

        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw Bad(path, "the header is not valid UTF-8");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw Bad(path, $"the header is not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"the header must be a JSON object, but is a {root.ValueKind}");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject())
            {
                if (!names.Add(p.Name)) throw Bad(path, $"the header names '{p.Name}' twice");
                if (p.Name == MetadataKey)
                {
                    if (p.Value.ValueKind != JsonValueKind.Object)
                        throw Bad(path, $"'{MetadataKey}' must be an object of strings, but is a {p.Value.ValueKind}");
                    foreach (var m in p.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Bad(path, $"'{MetadataKey}' value '{m.Name}' must be a string, but is a {m.Value.ValueKind}");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(p, path, dataLength));
            }

            // The entries must tile [0, dataLength) exactly: sorted by offset, each begins where the previous ended.
            long expected = 0;
            Entry? prev = null;
            foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (e.Begin < expected)
                    throw Bad(path, $"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps tensor '{prev!.Name}' (bytes {prev.Begin}..{prev.End})");
                if (e.Begin > expected)
                    throw Bad(path, $"bytes {expected}..{e.Begin} of the data belong to no tensor (a gap before '{e.Name}')");
                expected = e.End;
                prev = e;
            }
            if (expected != dataLength)
                throw Bad(path, $"the tensors cover {expected} bytes of data, but the file holds {dataLength} bytes after the header");
            return (entries, metadata, dataStart);
        }
    }

    private static Entry ParseEntry(JsonProperty p, string path, long dataLength)
    {
        string name = p.Name;
        if (name.Length == 0) throw Bad(path, "a tensor has an empty name");
        var v = p.Value;
        if (v.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"tensor '{name}' must be described by an object with dtype, shape and data_offsets, but is a {v.ValueKind}");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}' has no string 'dtype'");
        string dtName = dt.GetString()!;
        var dtype = DTypeFromName(dtName) ?? throw Bad(path,
            $"tensor '{name}' has dtype \"{Shorten(dtName)}\", which Recur does not support; expected F32, F64, I32, I64 or BOOL"
            + (dtName is "F16" or "BF16" ? " (convert half-precision weights to float32 before saving)" : ""));

        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}' has no array 'shape'");
        int rank = sh.GetArrayLength();
        if (rank > CheckpointFile.MaxRank)
            throw Bad(path, $"tensor '{name}' has rank {rank}; at most {CheckpointFile.MaxRank} is supported");
        var dims = new long[rank];
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long x) || x < 0 || x > int.MaxValue)
                throw Bad(path, $"tensor '{name}' has shape element {k} = {Shorten(d.GetRawText())}; expected an integer from 0 to {int.MaxValue}");
            dims[k++] = x;
        }
        long count = TensorBytes.ElementCount(dims);
        if (count < 0)
            throw Bad(path, $"tensor '{name}' has shape [{string.Join(", ", dims)}], more than {Array.MaxLength} elements");

        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{name}' needs 'data_offsets' as an array [begin, end]");
        var o = new long[2];
        k = 0;
        foreach (var d in off.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long x) || x < 0)
                throw Bad(path, $"tensor '{name}' has data offset {Shorten(d.GetRawText())}; expected a non-negative integer");
            o[k++] = x;
        }
        if (o[0] > o[1])
            throw Bad(path, $"tensor '{name}' has data_offsets [{o[0]}, {o[1]}]: begin after end");
        if (o[1] > dataLength)
            throw Bad(path, $"tensor '{name}' has data_offsets [{o[0]}, {o[1]}], past the end of the {dataLength} data bytes");
        long expectedBytes = count * dtype.Size();
        if (o[1] - o[0] != expectedBytes)
            throw Bad(path, $"tensor '{name}' has {o[1] - o[0]} data bytes, but shape [{string.Join(", ", dims)}] of {dtName} needs {expectedBytes}");
        var intDims = dims.Select(d => (int)d).ToArray();
        return new Entry(name, dtype, new Recur.Shape(intDims), o[0], o[1]);
    }

    private static string DTypeName(DType dtype, string name) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => throw new ArgumentException($"Safetensors.Save: tensor '{name}' has dtype {dtype}, which cannot be stored."),
    };

    private static DType? DTypeFromName(string name) => name switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "I32" => DType.Int32,
        "I64" => DType.Int64,
        "BOOL" => DType.Bool,
        _ => null,
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private sealed class StreamSink(Stream stream) : IByteSink
    {
        public void Write(ReadOnlySpan<byte> bytes) => stream.Write(bytes);
    }

    private sealed class StreamSource(Stream stream, string path) : IByteSource
    {
        public void Read(Span<byte> into)
        {
            if (stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) < into.Length)
                throw Bad(path, "unexpected end of file while reading tensor data (the file shrank while being read?)");
        }
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Recur.IO;

/// <summary>
/// Moves an <see cref="NDArray"/>'s elements to and from little-endian bytes in bounded chunks (so arrays larger than
/// 2 GiB and big-endian hosts work), updating checksums as the bytes pass.
/// </summary>
internal static class TensorBytes
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>The number of elements of <paramref name="dims"/>, or -1 when it exceeds <see cref="Array.MaxLength"/>.</summary>
    public static long ElementCount(ReadOnlySpan<long> dims)
    {
        foreach (long d in dims) if (d == 0) return 0;
        long n = 1;
        foreach (long d in dims)
        {
            if (d < 0 || d > Array.MaxLength || n > Array.MaxLength / d) return -1;
            n *= d;
        }
        return n;
    }

    /// <summary>Writes the elements of <paramref name="a"/> as little-endian bytes through <paramref name="sink"/>.</summary>
    public static void Write(NDArray a, IByteSink sink)
    {
        switch (a.DType)
        {
            case DType.Float32: WriteTyped(a.Data<float>(), sink); break;
            case DType.Float64: WriteTyped(a.Data<double>(), sink); break;
            case DType.Int32: WriteTyped(a.Data<int>(), sink); break;
            case DType.Int64: WriteTyped(a.Data<long>(), sink); break;
            case DType.Bool: WriteTyped(a.Data<bool>(), sink); break;
            default: throw new ArgumentException($"dtype {a.DType} cannot be written to a file.");
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="dtype"/> from <paramref name="source"/>. Bool bytes are
    /// stored as read: call <see cref="CheckBools"/> (after any checksum check) before handing the array out.
    /// </summary>
    public static NDArray Read(DType dtype, int count, Shape shape, IByteSource source) => dtype switch
    {
        DType.Float32 => new NDArray(ReadTyped<float>(count, source), shape),
        DType.Float64 => new NDArray(ReadTyped<double>(count, source), shape),
        DType.Int32 => new NDArray(ReadTyped<int>(count, source), shape),
        DType.Int64 => new NDArray(ReadTyped<long>(count, source), shape),
        DType.Bool => new NDArray(ReadTyped<bool>(count, source), shape),
        _ => throw new ArgumentException($"dtype {dtype} cannot be read.", nameof(dtype)),
    };

    /// <summary>Checks that every byte of a bool array read from a file is 0 or 1 (anything else is not a .NET bool).</summary>
    /// <exception cref="InvalidDataException">An element is another byte (made by <paramref name="error"/>).</exception>
    public static void CheckBools(NDArray a, Func<string, InvalidDataException> error)
    {
        if (a.DType != DType.Bool) return;
        var bytes = MemoryMarshal.AsBytes(a.AsSpan<bool>());
        int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0) throw error($"a bool element must be the byte 0 or 1, but element {bad} is {bytes[bad]}");
    }

    private static void WriteTyped<T>(T[] data, IByteSink sink) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int chunk = ChunkBytes / size;
        T[]? swapped = BitConverter.IsLittleEndian || size == 1 ? null : new T[Math.Min(chunk, data.Length)];
        for (int i = 0; i < data.Length; i += chunk)
        {
            var part = data.AsSpan(i, Math.Min(chunk, data.Length - i));
            if (swapped is not null)
            {
                part.CopyTo(swapped);
                part = swapped.AsSpan(0, part.Length);
                Swap(part);
            }
            sink.Write(MemoryMarshal.AsBytes(part));
        }
    }

    private static T[] ReadTyped<T>(int count, IByteSource source) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int chunk = ChunkBytes / size;
        var data = GC.AllocateUninitializedArray<T>(count);
        for (int i = 0; i < count; i += chunk)
        {
            var part = data.AsSpan(i, Math.Min(chunk, count - i));
            source.Read(MemoryMarshal.AsBytes(part));
            if (!BitConverter.IsLittleEndian) Swap(part);
        }
        return data;
    }

    private static void Swap<T>(Span<T> span) where T : unmanaged
    {
        if (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() == 4)
        {
            var s = MemoryMarshal.Cast<T, int>(span);
            BinaryPrimitives.ReverseEndianness(s, s);
        }
        else if (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() == 8)
        {
            var s = MemoryMarshal.Cast<T, long>(span);
            BinaryPrimitives.ReverseEndianness(s, s);
        }
    }
}

/// <summary>Where <see cref="TensorBytes"/> writes.</summary>
internal interface IByteSink
{
    void Write(ReadOnlySpan<byte> bytes);
}

/// <summary>Where <see cref="TensorBytes"/> reads from; <see cref="Read"/> fills the span completely or throws.</summary>
internal interface IByteSource
{
    void Read(Span<byte> into);
}

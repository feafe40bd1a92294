using System.Diagnostics;

namespace Recur.Kernels.Blas;

/// <summary>
/// A per-thread, 64-byte aligned, pinned scratch buffer for packed panels. It lives on the pinned
/// object heap, grows on demand and is reused by every later call on the same thread, so the
/// steady state allocates nothing; it is collected with its thread.
/// </summary>
internal sealed unsafe class PackBuffer<T>
    where T : unmanaged
{
    private const int Alignment = 64;

    [ThreadStatic]
    private static PackBuffer<T>? t_a;

    [ThreadStatic]
    private static PackBuffer<T>? t_b;

    [ThreadStatic]
    private static PackBuffer<T>? t_s;

    private T[] _array = [];
    private T* _aligned;
    private int _capacity;

    /// <summary>The calling thread's A-panel buffer, with room for at least <paramref name="count"/> values.</summary>
    public static T* ForA(int count) => (t_a ??= new PackBuffer<T>()).Get(count);

    /// <summary>The calling thread's B-panel buffer, with room for at least <paramref name="count"/> values.</summary>
    public static T* ForB(int count) => (t_b ??= new PackBuffer<T>()).Get(count);

    /// <summary>The calling thread's buffer for column sums of B (<see cref="GemmDriver{T}.MultiplySumB"/>), with room for at least <paramref name="count"/> values.</summary>
    public static T* ForSums(int count) => (t_s ??= new PackBuffer<T>()).Get(count);

    /// <summary>This buffer, with room for at least <paramref name="count"/> values (a buffer shared by a parallel job).</summary>
    public T* Get(int count)
    {
        if (count > _capacity)
        {
            int extra = Alignment / sizeof(T);
            _array = GC.AllocateUninitializedArray<T>(count + extra, pinned: true);
            fixed (T* p = _array)
            {
                nint addr = (nint)p;
                nint aligned = (addr + (Alignment - 1)) & ~(nint)(Alignment - 1);
                _aligned = (T*)aligned;
            }

            _capacity = count;
        }

        Debug.Assert(_aligned != null, "buffer must be allocated");
        return _aligned;
    }
}

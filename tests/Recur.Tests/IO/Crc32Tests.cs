using System.Text;
using Recur.IO;

namespace Recur.Tests.IO;

public sealed class Crc32Tests
{
    [Fact]
    public void Compute_StandardCheckString_IsCbf43926()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0x414FA339u, Crc32.Compute(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog")));
    }

    [Fact]
    public void Compute_EveryLength0To256_EqualsBitwiseOracle()
    {
        var data = new byte[256];
        new Random(7).NextBytes(data);
        for (int n = 0; n <= data.Length; n++)
            Assert.Equal(Crc32.ComputeBitwise(data.AsSpan(0, n)), Crc32.Compute(data.AsSpan(0, n)));
    }

    [Fact]
    public void Append_InPiecesAtEverySplit_EqualsOneShot()
    {
        var data = new byte[100];
        new Random(8).NextBytes(data);
        uint whole = Crc32.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            var c = new Crc32();
            c.Append(data.AsSpan(0, split));
            c.Append(data.AsSpan(split));
            Assert.Equal(whole, c.Value);
        }
    }
}

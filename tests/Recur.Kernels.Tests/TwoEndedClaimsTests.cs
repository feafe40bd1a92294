using Recur.Kernels.Blas;
using Xunit;

namespace Recur.Kernels.Tests;

/// <summary>The two-thread GEMM paths' claims from both ends of a range (ADR 0002): every item exactly once.</summary>
public class TwoEndedClaimsTests
{
    /// <summary>
    /// Claims alternating between the front and the back (in the given pattern), guided or one at a time, cover
    /// [0, total) exactly once, front claims ascending from 0 and back claims descending from total.
    /// </summary>
    [Theory]
    [InlineData(1, 1, int.MaxValue, "fb")]
    [InlineData(6, 1, int.MaxValue, "fb")]
    [InlineData(7, 1, int.MaxValue, "ffb")]
    [InlineData(64, 2, 4, "fb")]
    [InlineData(65, 2, 4, "bbf")]
    [InlineData(33, 2, 4, "f")]
    [InlineData(33, 2, 4, "b")]
    public void TryClaim_CoversTheRangeOnce(int total, int minSize, int divisor, string pattern)
    {
        long ends = 0;
        var owner = new int[total];
        int front = 0, back = total, claims = 0;
        while (true)
        {
            bool fromFront = pattern[claims % pattern.Length] == 'f';
            if (!TwoEndedClaims.TryClaim(ref ends, total, fromFront, minSize, divisor, out int start, out int size))
            {
                break;
            }

            claims++;
            Assert.True(size >= 1, $"claim {claims}: size {size}");
            Assert.Equal(fromFront ? front : back - size, start);
            if (fromFront)
            {
                front += size;
            }
            else
            {
                back -= size;
            }

            for (int i = start; i < start + size; i++)
            {
                owner[i]++;
            }
        }

        Assert.All(owner, n => Assert.Equal(1, n));
        Assert.Equal(front, back);
        Assert.False(TwoEndedClaims.TryClaim(ref ends, total, true, minSize, divisor, out _, out _));
    }
}

namespace Recur.Tests.Core;

public class ShapeTests
{
    [Fact]
    public void Constructor_UnknownDims_FormatsWithQuestionMarks()
    {
        var s = new Shape(-1, 10, 8);
        Assert.Equal(3, s.Rank);
        Assert.Equal(-1, s[0]);
        Assert.Equal(8, s[-1]);
        Assert.Equal("(?, 10, 8)", s.ToString());
        Assert.False(s.IsFullyDefined);
        Assert.Equal("<unknown>", Shape.Unknown.ToString());
        Assert.Equal(-1, Shape.Unknown.Rank);
        Assert.Equal("()", Shape.Scalar.ToString());
        Assert.Equal("(3,)", new Shape(3).ToString());
        Assert.Equal(Shape.Scalar, new Shape());
        Assert.Equal(0, new Shape().Rank);
    }

    [Fact]
    public void Constructor_DimBelowMinusOne_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Shape(2, -2));
        Assert.Contains("dimension 1", e.Message);
    }

    [Fact]
    public void IsCompatibleWith_PartialShapes_FollowsTf()
    {
        Assert.True(new Shape(-1, 3).IsCompatibleWith(new Shape(5, 3)));
        Assert.False(new Shape(-1, 3).IsCompatibleWith(new Shape(5, 4)));
        Assert.False(new Shape(3).IsCompatibleWith(new Shape(3, 1)));
        Assert.True(Shape.Unknown.IsCompatibleWith(new Shape(1, 2, 3)));
        Assert.Equal(new Shape(5, 3), new Shape(-1, 3).MergeWith(new Shape(5, -1)));
        Assert.Throws<ArgumentException>(() => new Shape(2).MergeWith(new Shape(3)));
        Assert.Equal(new Shape(-1, 3), new Shape(2, 3).MostSpecificCompatible(new Shape(4, 3)));
    }

    [Fact]
    public void NumElements_NotFullyDefined_Throws()
    {
        Assert.Equal(24, new Shape(2, 3, 4).NumElements);
        Assert.Equal(0, new Shape(0, 3).NumElements);
        Assert.Equal(1, Shape.Scalar.NumElements);
        Assert.Throws<InvalidOperationException>(() => new Shape(-1, 3).NumElements);
    }

    [Fact]
    public void Indexer_OutOfRange_ThrowsNamingShape()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Shape(2, 3)[2]);
        Assert.Contains("(2, 3)", e.Message);
    }
}

public class NDArrayTests
{
    [Fact]
    public void FromArray_MultiDimensional_CopiesRowMajor()
    {
        var a = NDArray.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new Shape(2, 3), a.Shape);
        Assert.Equal(DType.Float64, a.DType);
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6 }, a.ToArray<double>());
        var z = NDArray.FromArray(new double[2, 10, 8]);
        Assert.Equal(new Shape(2, 10, 8), z.Shape);
        Assert.All(z.ToArray<double>(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Constructor_SizeMismatch_ThrowsWithBothSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => new NDArray(new float[5], new Shape(2, 3)));
        Assert.Contains("6", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void ToArray_WrongType_Throws()
    {
        var a = new NDArray(new float[] { 1, 2 }, new Shape(2));
        var e = Assert.Throws<InvalidOperationException>(() => a.ToArray<double>());
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void ToArray_ReturnsCopy_OriginalUnchanged()
    {
        var a = new NDArray(new int[] { 1, 2, 3 });
        var c = a.ToArray<int>();
        c[0] = 99;
        Assert.Equal(1, a.ToArray<int>()[0]);
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 3 }, new[] { 3 }, "[1. 2. 3.]")]
    [InlineData(new double[] { 1, 2.5, 3, -4 }, new[] { 2, 2 }, "[[ 1.   2.5]\n [ 3.  -4. ]]")]
    [InlineData(new double[] { 0.1, 0.12345678912 }, new[] { 2 }, "[0.1        0.12345679]")]
    [InlineData(new double[] { 1e-5, 1.0 }, new[] { 2 }, "[1.e-05 1.e+00]")]
    [InlineData(new double[] { 1.5e-5, -2.0 }, new[] { 2 }, "[ 1.5e-05 -2.0e+00]")]
    [InlineData(new double[] { 0, 0, 0, 0, 0, 0, 0, 0 }, new[] { 2, 2, 2 }, "[[[0. 0.]\n  [0. 0.]]\n\n [[0. 0.]\n  [0. 0.]]]")]
    [InlineData(new double[] { 1.5 }, new int[0], "1.5")]
    [InlineData(new double[0], new[] { 0, 3 }, "[]")]
    public void ToString_Doubles_MatchesNumpy(double[] data, int[] shape, string expected)
    {
        Assert.Equal(expected, new NDArray(data, new Shape(shape)).ToString());
    }

    [Fact]
    public void ToString_Float32_UsesShortestRepresentation()
    {
        Assert.Equal("[0.1 0.2]", new NDArray(new float[] { 0.1f, 0.2f }, new Shape(2)).ToString());
        Assert.Equal("[-0.04 -0.5 ]", new NDArray(new float[] { -0.04f, -0.5f }, new Shape(2)).ToString());
    }

    [Fact]
    public void ToString_IntsAndBools_MatchNumpy()
    {
        Assert.Equal("[[  1  22]\n [333   4]]", new NDArray(new[] { 1, 22, 333, 4 }, new Shape(2, 2)).ToString());
        Assert.Equal("[ True False]", new NDArray(new[] { true, false }, new Shape(2)).ToString());
        Assert.Equal("[10  6]", new NDArray(new long[] { 10, 6 }, new Shape(2)).ToString());
    }

    [Fact]
    public void ToString_LongRows_WrapAt75ColumnsLikeNumpy()
    {
        var a = new NDArray(Enumerable.Range(0, 30).Select(i => (double)i).ToArray(), new Shape(30));
        Assert.Equal("[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]", a.ToString());
        var b = new NDArray(Enumerable.Range(0, 40).Select(i => (double)i).ToArray(), new Shape(2, 20));
        Assert.Equal(
            "[[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n  18. 19.]\n" +
            " [20. 21. 22. 23. 24. 25. 26. 27. 28. 29. 30. 31. 32. 33. 34. 35. 36. 37.\n  38. 39.]]", b.ToString());
    }

    [Fact]
    public void ToString_LargeArray_Summarizes()
    {
        var a = new NDArray(Enumerable.Range(0, 2000).Select(i => (double)(i % 10)).ToArray(), new Shape(2000));
        Assert.Equal("[0. 1. 2. ... 7. 8. 9.]", a.ToString());
    }

    [Fact]
    public void Reshape_SameSize_SharesValues()
    {
        var a = new NDArray(new float[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3));
        var b = a.Reshape(new Shape(3, 2));
        Assert.Equal(new Shape(3, 2), b.Shape);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Throws<ArgumentException>(() => a.Reshape(new Shape(4, 2)));
    }

    [Fact]
    public void AsType_IntToDouble_Converts()
    {
        var a = new NDArray(new[] { 1, -2, 3 }).AsType(DType.Float64);
        Assert.Equal(new double[] { 1, -2, 3 }, a.ToArray<double>());
    }
}

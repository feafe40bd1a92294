using Recur.IO;
using Recur.Rnn;

namespace Recur.Tests.IO;

public sealed class SaverTests
{
    /// <summary>
    /// A small model with variables of every dtype: an LSTM over (2, 5, 3) float64 inputs, a dense layer, an int64
    /// step counter, an int32 table and a bool mask. <paramref name="seed"/> picks the initial values.
    /// </summary>
    private sealed class Model
    {
        public Graph G { get; } = new();
        public Tensor Y { get; }
        public Operation Init { get; }

        public Model(int seed, int units = 4)
        {
            using (G.AsDefault())
            {
                var x = Tf.Constant(new NDArray(TestUtil.RandomDoubles(2 * 5 * 3, 11), new Shape(2, 5, 3)));
                var cell = new LstmCell(units, initializer: Initializers.RandomUniform(-0.5, 0.5, seed));
                var (outputs, _) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float64);
                var w = Tf.GetVariable("dense/kernel", new Shape(units, 2), DType.Float64, Initializers.RandomUniform(-1, 1, seed + 100));
                var b = Tf.GetVariable("dense/bias", new Shape(2), DType.Float64, Initializers.RandomUniform(-1, 1, seed + 200));
                Tf.GetVariable("global_step", Shape.Scalar, DType.Int64, Initializers.Constant(seed), trainable: false);
                Tf.GetVariable("table", new Shape(2, 3), DType.Int32, Initializers.Constant(seed), trainable: false);
                Tf.GetVariable("mask", new Shape(3), DType.Bool, Initializers.Zeros(), trainable: false);
                Tf.GetVariable("empty", new Shape(0, 4), DType.Float32, Initializers.Zeros(), trainable: false);
                var last = Tf.Reshape(outputs, new[] { -1, units });
                Y = Tf.MatMul(last, w) + b;
                Init = Tf.GlobalVariablesInitializer();
            }
        }

        public Session Start()
        {
            var s = new Session(G);
            s.Run(Init);
            return s;
        }
    }

    private static double[] Values(NDArray a) => Enumerable.Range(0, a.Size).Select(a.GetDouble).ToArray();

    [Fact]
    public void SaveRestore_RnnGraphIntoFreshSession_ReproducesOutputsExactly()
    {
        using var dir = new TempDir();
        var trained = new Model(seed: 1);
        using var s1 = trained.Start();
        trained.G.GetVariable("mask").Load(new NDArray(true, false, true), s1);
        var expected = s1.Run(trained.Y);
        string path = new Tf.Train.Saver().Save(s1, dir.File("model"));
        Assert.Equal(dir.File("model"), path);

        var fresh = new Model(seed: 2);
        using (var other = fresh.Start())
            Assert.NotEqual(Values(expected), Values(other.Run(fresh.Y)));   // different weights before the restore
        using var s2 = new Session(fresh.G);                               // no initializer: the restore is the initialization
        new Tf.Train.Saver().Restore(s2, path);
        SampleArrays.AssertSame(expected, s2.Run(fresh.Y), "outputs after restore");
        foreach (var v in trained.G.Variables)
            SampleArrays.AssertSame(s1.Run(v.Value), s2.Run(fresh.G.GetVariable(v.Name).Value), v.Name);
    }

    [Fact]
    public void Save_WithGlobalStep_WritesPrefixDashStepAndIndex()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var saver = new Tf.Train.Saver();
        string p = saver.Save(s, dir.File("model.ckpt"), globalStep: 42);
        Assert.Equal(dir.File("model.ckpt-42"), p);
        Assert.True(File.Exists(p));
        Assert.Equal("model_checkpoint_path: \"model.ckpt-42\"\nall_model_checkpoint_paths: \"model.ckpt-42\"\n", File.ReadAllText(dir.File("checkpoint")));
        Assert.Equal(p, Tf.Train.Saver.LatestCheckpoint(dir.Path));
        Assert.Equal(new[] { Path.GetFullPath(p) }, saver.LastCheckpoints);
    }

    [Fact]
    public void Save_MoreThanMaxToKeep_DeletesOldestAndListsKeptInIndex()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var saver = new Tf.Train.Saver(maxToKeep: 2);
        for (long step = 1; step <= 5; step++) saver.Save(s, dir.File("model"), step);
        Assert.Equal(new[] { "checkpoint", "model-4", "model-5" }, dir.Names());
        Assert.Equal(
            "model_checkpoint_path: \"model-5\"\nall_model_checkpoint_paths: \"model-4\"\nall_model_checkpoint_paths: \"model-5\"\n",
            File.ReadAllText(dir.File("checkpoint")));
        Assert.Equal(new[] { dir.File("model-4"), dir.File("model-5") }, saver.LastCheckpoints);
        Assert.Equal(dir.File("model-5"), Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }

    [Fact]
    public void Save_MaxToKeepZero_KeepsEverything()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var saver = new Tf.Train.Saver(maxToKeep: 0);
        for (long step = 1; step <= 7; step++) saver.Save(s, dir.File("m"), step);
        Assert.Equal(8, dir.Names().Length);
        Assert.Equal(7, saver.LastCheckpoints.Count);
    }

    [Fact]
    public void Save_SameStepTwice_ListsItOnceAsNewest()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var saver = new Tf.Train.Saver(maxToKeep: 3);
        saver.Save(s, dir.File("m"), 1);
        saver.Save(s, dir.File("m"), 2);
        saver.Save(s, dir.File("m"), 1);
        Assert.Equal(new[] { dir.File("m-2"), dir.File("m-1") }, saver.LastCheckpoints);
        Assert.Equal(dir.File("m-1"), Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }

    [Fact]
    public void Save_NewSaverInSameDirectory_ContinuesPruningFromTheIndex()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var first = new Tf.Train.Saver(maxToKeep: 3);
        for (long step = 1; step <= 3; step++) first.Save(s, dir.File("m"), step);
        var second = new Tf.Train.Saver(maxToKeep: 3);   // e.g. after a restart with --resume
        second.Save(s, dir.File("m"), 4);
        Assert.Equal(new[] { "checkpoint", "m-2", "m-3", "m-4" }, dir.Names());
    }

    [Fact]
    public void Save_HostileIndexListingOtherFiles_NeverDeletesThem()
    {
        using var dir = new TempDir();
        using var outside = new TempDir();
        File.WriteAllText(outside.File("victim"), "precious");
        File.WriteAllText(dir.File("notes.txt"), "not a checkpoint");
        File.WriteAllText(dir.File("checkpoint"),
            $"model_checkpoint_path: \"notes.txt\"\nall_model_checkpoint_paths: \"../{Path.GetFileName(outside.Path)}/victim\"\n" +
            $"all_model_checkpoint_paths: \"{outside.File("victim").Replace("\\", "\\\\", StringComparison.Ordinal)}\"\nall_model_checkpoint_paths: \"notes.txt\"\n");
        var m = new Model(1);
        using var s = m.Start();
        var saver = new Tf.Train.Saver(maxToKeep: 1);
        saver.Save(s, dir.File("m"), 1);
        saver.Save(s, dir.File("m"), 2);
        Assert.True(File.Exists(outside.File("victim")));
        Assert.True(File.Exists(dir.File("notes.txt")));
        Assert.Equal(new[] { "checkpoint", "m-2", "notes.txt" }, dir.Names());
    }

    [Fact]
    public void Save_CrashMidWriteAtManyOffsets_PreviousCheckpointStillRestores()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var saver = new Tf.Train.Saver(maxToKeep: 5);
        string good = saver.Save(s, dir.File("model"), 1);
        string overwritten = saver.Save(s, dir.File("latest"));   // the same path is saved again below
        var goodBytes = File.ReadAllBytes(good);
        var expected = s.Run(m.Y);
        string index = File.ReadAllText(dir.File("checkpoint"));

        var kernel = m.G.GetVariable("rnn/lstm_cell/kernel");
        kernel.Load(NDArray.Zeros(kernel.Shape, kernel.DType), s);   // training moved on
        Assert.NotEqual(Values(expected), Values(s.Run(m.Y)));

        foreach (long failAt in new long[] { 0, 1, 27, 28, 100, goodBytes.Length / 2, goodBytes.Length - 13, goodBytes.Length - 1 })
        {
            AtomicFile.FailAfterBytesForTesting.Value = failAt;
            try
            {
                Assert.Throws<IOException>(() => saver.Save(s, dir.File("model"), 2));
                Assert.Throws<IOException>(() => saver.Save(s, dir.File("latest")));
            }
            finally { AtomicFile.FailAfterBytesForTesting.Value = null; }

            Assert.Equal(new[] { "checkpoint", "latest", "model-1" }, dir.Names());   // no partial file, no temp file
            Assert.Equal(index, File.ReadAllText(dir.File("checkpoint")));
            Assert.Equal(overwritten, Tf.Train.Saver.LatestCheckpoint(dir.Path));
            foreach (var path in new[] { good, overwritten })
            {
                var fresh = new Model(seed: 3);
                using var s2 = new Session(fresh.G);
                new Tf.Train.Saver().Restore(s2, path);
                SampleArrays.AssertSame(expected, s2.Run(fresh.Y), $"restore of {Path.GetFileName(path)} after failure at byte {failAt}");
            }
        }

        // Without the failure the same saves succeed.
        saver.Save(s, dir.File("model"), 2);
        Assert.Equal(dir.File("model-2"), Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }

    [Fact]
    public void Save_AfterARealCrashLeftATempFile_RemovesTheStaleTempFile()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        File.WriteAllText(dir.File(".model-3.tmp-0123456789ab"), "half a checkpoint");   // what kill -9 mid-save leaves
        new Tf.Train.Saver().Save(s, dir.File("model"), 3);
        Assert.Equal(new[] { "checkpoint", "model-3" }, dir.Names());
    }

    [Fact]
    public void Save_SavePathIsADirectoryOrTheIndexName_ThrowsArgumentException()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        Assert.Throws<ArgumentException>(() => new Tf.Train.Saver().Save(s, dir.Path));
        Assert.Throws<ArgumentException>(() => new Tf.Train.Saver().Save(s, dir.Path + Path.DirectorySeparatorChar));
        Assert.Throws<ArgumentException>(() => new Tf.Train.Saver().Save(s, dir.File("checkpoint")));
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void Restore_VariableMissingFromCheckpoint_ThrowsKeyNotFoundNamingItAndCloseMatches()
    {
        using var dir = new TempDir();
        var g1 = new Graph();
        using (g1.AsDefault())
        {
            Tf.GetVariable("layer/w", new Shape(3, 4), initializer: Initializers.Ones());
            Tf.GetVariable("layer/b", new Shape(4), initializer: Initializers.Ones());
        }
        using var s1 = new Session(g1);
        foreach (var v in g1.Variables) s1.Run(v.InitializerOp);
        string path = new Tf.Train.Saver().Save(s1, dir.File("c"));

        var g2 = new Graph();
        using (g2.AsDefault())
        {
            Tf.GetVariable("layer/w", new Shape(3, 4));
            Tf.GetVariable("layer/bias", new Shape(4));
        }
        using var s2 = new Session(g2);
        var e = Assert.Throws<KeyNotFoundException>(() => new Tf.Train.Saver().Restore(s2, path));
        Assert.Contains("'layer/bias'", e.Message);
        Assert.Contains("Close matches", e.Message);
        Assert.Contains("'layer/b'", e.Message);
        Assert.Contains(path, e.Message);
        Assert.False(s2.IsInitialized(g2.GetVariable("layer/w")));   // nothing assigned
    }

    [Fact]
    public void Restore_ShapeOrDTypeMismatch_ThrowsArgumentExceptionNamingBoth()
    {
        using var dir = new TempDir();
        var g1 = new Graph();
        using (g1.AsDefault()) Tf.GetVariable("rnn/lstm_cell/kernel", new Shape(7, 16), DType.Float32, Initializers.Ones());
        using var s1 = new Session(g1);
        s1.Run(g1.Variables[0].InitializerOp);
        string path = new Tf.Train.Saver().Save(s1, dir.File("c"));

        var g2 = new Graph();
        using (g2.AsDefault()) Tf.GetVariable("rnn/lstm_cell/kernel", new Shape(5, 16), DType.Float32);
        using var s2 = new Session(g2);
        var e = Assert.Throws<ArgumentException>(() => new Tf.Train.Saver().Restore(s2, path));
        Assert.Contains("'rnn/lstm_cell/kernel'", e.Message);
        Assert.Contains("(5, 16)", e.Message);
        Assert.Contains("(7, 16)", e.Message);

        var g3 = new Graph();
        using (g3.AsDefault()) Tf.GetVariable("rnn/lstm_cell/kernel", new Shape(7, 16), DType.Float64);
        using var s3 = new Session(g3);
        e = Assert.Throws<ArgumentException>(() => new Tf.Train.Saver().Restore(s3, path));
        Assert.Contains("Float64", e.Message);
        Assert.Contains("Float32", e.Message);
        Assert.False(s3.IsInitialized(g3.Variables[0]));
    }

    [Fact]
    public void Restore_WithNameMap_AssignsEntriesToDifferentlyNamedVariables()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s1 = m.Start();
        var expectedKernel = s1.Run(m.G.GetVariable("rnn/lstm_cell/kernel").Value);
        string path = new Tf.Train.Saver().Save(s1, dir.File("c"));

        var g = new Graph();
        Variable k;
        using (g.AsDefault()) k = Tf.GetVariable("encoder/kernel", new Shape(7, 16), DType.Float64);
        using var s2 = new Session(g);
        new Tf.Train.Saver(new Dictionary<string, Variable> { ["rnn/lstm_cell/kernel"] = k }).Restore(s2, path);
        SampleArrays.AssertSame(expectedKernel, s2.Run(k.Value), "encoder/kernel");

        // and saving through a map writes the map's names
        string p2 = new Tf.Train.Saver(new Dictionary<string, Variable> { ["decoder/w"] = k }).Save(s2, dir.File("d"));
        Assert.Equal(new[] { "decoder/w" }, CheckpointFile.ListEntries(p2).Select(e => e.Name));
    }

    [Fact]
    public void SaveRestore_VarList_CoversOnlyThoseVariables()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        var list = m.G.TrainableVariables;
        string path = new Tf.Train.Saver(list).Save(s, dir.File("c"));
        Assert.Equal(list.Select(v => v.Name).Order(StringComparer.Ordinal), CheckpointFile.ListEntries(path).Select(e => e.Name).Order(StringComparer.Ordinal));
        var fresh = new Model(4);
        using var s2 = new Session(fresh.G);
        new Tf.Train.Saver(fresh.G.TrainableVariables).Restore(s2, path);
        Assert.False(s2.IsInitialized(fresh.G.GetVariable("global_step")));
        Assert.Throws<KeyNotFoundException>(() => new Tf.Train.Saver().Restore(s2, path));   // all variables: global_step is missing
    }

    [Fact]
    public void Restore_CorruptFile_ThrowsInvalidDataAndAssignsNothing()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        string path = new Tf.Train.Saver().Save(s, dir.File("c"));
        var b = File.ReadAllBytes(path);
        b[b.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, b);
        var fresh = new Model(2);
        using var s2 = new Session(fresh.G);
        Assert.Throws<InvalidDataException>(() => new Tf.Train.Saver().Restore(s2, path));
        Assert.All(fresh.G.Variables, v => Assert.False(s2.IsInitialized(v)));
        Assert.Throws<FileNotFoundException>(() => new Tf.Train.Saver().Restore(s2, dir.File("missing")));
    }

    [Fact]
    public void Save_UninitializedVariable_ThrowsInvalidOperationNamingIt()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = new Session(m.G);
        var e = Assert.Throws<InvalidOperationException>(() => new Tf.Train.Saver().Save(s, dir.File("c")));
        Assert.Contains("not initialized", e.Message);
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void Constructor_InvalidArguments_Throw()
    {
        var g = new Graph();
        Variable v;
        using (g.AsDefault()) v = Tf.GetVariable("v", new Shape(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.Saver(maxToKeep: -1));
        Assert.Throws<ArgumentException>(() => new Tf.Train.Saver(new[] { v, v }));
        Assert.Throws<ArgumentException>(() => new Tf.Train.Saver(new Dictionary<string, Variable>()));
    }

    [Fact]
    public void Save_VariableOfAnotherGraph_ThrowsArgumentException()
    {
        using var dir = new TempDir();
        var g = new Graph();
        Variable v;
        using (g.AsDefault()) v = Tf.GetVariable("v", new Shape(1));
        var m = new Model(1);
        using var s = m.Start();
        Assert.Throws<ArgumentException>(() => new Tf.Train.Saver(new[] { v }).Save(s, dir.File("c")));
    }

    [Fact]
    public void LatestCheckpoint_NoDirectoryNoIndexOrMissingFile_ReturnsNull()
    {
        using var dir = new TempDir();
        Assert.Null(Tf.Train.Saver.LatestCheckpoint(dir.File("does-not-exist")));
        Assert.Null(Tf.Train.Saver.LatestCheckpoint(dir.Path));
        File.WriteAllText(dir.File("checkpoint"), "model_checkpoint_path: \"gone-7\"\n");
        Assert.Null(Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }

    [Fact]
    public void LatestCheckpoint_IndexWrittenByTensorFlow_IsRead()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.ckpt-300"), "");
        File.WriteAllText(dir.File("checkpoint"),
            "model_checkpoint_path: \"model.ckpt-300\"\n" +
            "all_model_checkpoint_paths: \"model.ckpt-200\"\n" +
            "all_model_checkpoint_paths: \"model.ckpt-300\"\n" +
            "all_model_checkpoint_timestamps: 1712345678.123\n" +
            "last_preserved_timestamp: 1712345000.5\n");
        Assert.Equal(dir.File("model.ckpt-300"), Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }

    [Theory]
    [InlineData("model_checkpoint_path \"x\"\n")]
    [InlineData("model_checkpoint_path: x\n")]
    [InlineData("model_checkpoint_path: \"unterminated\n")]
    [InlineData("model_checkpoint_path: \"bad \\q escape\"\n")]
    public void LatestCheckpoint_MalformedIndex_ThrowsInvalidDataNamingTheLine(string content)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("checkpoint"), content);
        var e = Assert.Throws<InvalidDataException>(() => Tf.Train.Saver.LatestCheckpoint(dir.Path));
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void LatestCheckpoint_HugeIndex_IsRejectedUnread()
    {
        using var dir = new TempDir();
        using (var f = File.Create(dir.File("checkpoint"))) f.SetLength(CheckpointState.MaxFileBytes + 1);
        Assert.Throws<InvalidDataException>(() => Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }

    [Fact]
    public void Save_NamesWithQuotesAndBackslashes_RoundTripThroughTheIndex()
    {
        using var dir = new TempDir();
        var m = new Model(1);
        using var s = m.Start();
        string name = OperatingSystem.IsWindows() ? "we ird name" : "we\"ird\\na\tme";
        string p = new Tf.Train.Saver().Save(s, dir.File(name), 3);
        Assert.Equal(p, Tf.Train.Saver.LatestCheckpoint(dir.Path));
    }
}

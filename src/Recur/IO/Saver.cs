using Recur.IO;

namespace Recur;

public static partial class Tf
{
    /// <summary>Training: optimizers, learning-rate schedules and checkpoints (TF: <c>tf.compat.v1.train</c>).</summary>
    public static partial class Train
    {
        /// <summary>
        /// Saves and restores variables to and from checkpoint files. TF equivalent: <c>tf.compat.v1.train.Saver</c>.
        /// </summary>
        /// <remarks>
        /// <para>Each checkpoint is one file in Recur's checkpoint format (<see cref="CheckpointFile"/>,
        /// <c>docs/decisions/0009-checkpoint-format.md</c>): versioned, self-describing, CRC-32 checksummed. Saves are
        /// atomic — the file is written to a temporary file in the same directory, flushed to disk and renamed over
        /// the destination — so a crash or an error mid-save leaves the previous checkpoint intact and restorable.</para>
        /// <para>Next to the checkpoints the saver keeps TF's <c>checkpoint</c> index file (text:
        /// <c>model_checkpoint_path: "model.ckpt-300"</c> and one <c>all_model_checkpoint_paths</c> line per kept
        /// checkpoint), which <see cref="LatestCheckpoint"/> reads. When a save makes more than
        /// <see cref="MaxToKeep"/> checkpoints in that directory, the oldest are deleted. A new saver continues the
        /// list that the directory's index file already holds, so pruning also works across program restarts.</para>
        /// <para>Entries are keyed by variable name (<c>rnn/lstm_cell/kernel</c>), or by the keys of the name map given
        /// to the constructor. Restore checks every variable before assigning any: a variable missing from the file, or
        /// stored with another shape or dtype, is an error and leaves the session unchanged. Entries of the file that the
        /// saver does not cover are ignored (as in TF).</para>
        /// </remarks>
        /// <example><code>var saver = new Tf.Train.Saver(maxToKeep: 3);
        /// for (long step = 1; step &lt;= 1000; step++)
        /// {
        ///     sess.Run(trainOp, feeds);
        ///     if (step % 100 == 0) saver.Save(sess, "ckpt/model", globalStep: step);   // writes ckpt/model-100, ...
        /// }
        /// // later, in a fresh process and session (no initializer needed):
        /// saver.Restore(sess2, Tf.Train.Saver.LatestCheckpoint("ckpt")!);</code></example>
        public sealed class Saver
        {
            private readonly IReadOnlyList<Variable>? _varList;
            private readonly IReadOnlyList<(string Key, Variable Variable)>? _varMap;
            private readonly Dictionary<string, List<string>> _kept = new(StringComparer.Ordinal);
            private string? _lastDirectory;

            /// <summary>
            /// A saver for <paramref name="varList"/>, or — when null — for every variable of the session's graph at the
            /// time of each <see cref="Save"/> / <see cref="Restore"/> (so variables made after the saver, such as
            /// optimizer slots, are included).
            /// </summary>
            /// <param name="varList">The variables to save and restore, each under its own name; null for all.</param>
            /// <param name="maxToKeep">How many recent checkpoints to keep per directory; 0 keeps all (TF: <c>max_to_keep</c>).</param>
            /// <exception cref="ArgumentException">The list holds null or two variables of the same name.</exception>
            /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxToKeep"/> is negative.</exception>
            public Saver(IReadOnlyList<Variable>? varList = null, int maxToKeep = 5)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(maxToKeep);
                if (varList is not null)
                {
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var v in varList)
                    {
                        if (v is null) throw new ArgumentException("Saver: varList contains null.", nameof(varList));
                        if (!names.Add(v.Name)) throw new ArgumentException($"Saver: varList contains the variable '{v.Name}' twice.", nameof(varList));
                    }
                    _varList = varList.ToArray();
                }
                MaxToKeep = maxToKeep;
            }

            /// <summary>
            /// A saver that stores each variable under the name given by its key (TF: <c>Saver(var_list={name: variable})</c>),
            /// e.g. to restore a checkpoint written by a graph whose scopes were named differently.
            /// </summary>
            /// <param name="varMap">Checkpoint entry name → variable.</param>
            /// <param name="maxToKeep">How many recent checkpoints to keep per directory; 0 keeps all.</param>
            /// <exception cref="ArgumentException">The map is empty, has an empty key or a null variable.</exception>
            /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxToKeep"/> is negative.</exception>
            public Saver(IReadOnlyDictionary<string, Variable> varMap, int maxToKeep = 5)
            {
                ArgumentNullException.ThrowIfNull(varMap);
                ArgumentOutOfRangeException.ThrowIfNegative(maxToKeep);
                if (varMap.Count == 0) throw new ArgumentException("Saver: the variable map is empty; there is nothing to save.", nameof(varMap));
                foreach (var (k, v) in varMap)
                {
                    if (string.IsNullOrEmpty(k)) throw new ArgumentException("Saver: the variable map has an empty name.", nameof(varMap));
                    if (v is null) throw new ArgumentException($"Saver: the variable map maps '{k}' to null.", nameof(varMap));
                }
                _varMap = varMap.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToArray();
                MaxToKeep = maxToKeep;
            }

            /// <summary>How many recent checkpoints are kept per directory (0: all).</summary>
            public int MaxToKeep { get; }

            /// <summary>
            /// The checkpoints this saver keeps in the directory it saved to last, oldest first (TF:
            /// <c>saver.last_checkpoints</c>).
            /// </summary>
            public IReadOnlyList<string> LastCheckpoints =>
                _lastDirectory is not null && _kept.TryGetValue(_lastDirectory, out var l) ? l.ToArray() : Array.Empty<string>();

            /// <summary>
            /// Writes the variables' current values to <paramref name="savePath"/> (or <c>savePath-&lt;globalStep&gt;</c>),
            /// atomically, updates the directory's <c>checkpoint</c> index and deletes checkpoints beyond
            /// <see cref="MaxToKeep"/>. The directory is created when missing. TF: <c>saver.save(sess, save_path, global_step)</c>.
            /// </summary>
            /// <returns>The path of the checkpoint written.</returns>
            /// <exception cref="ArgumentException">A variable belongs to another graph than the session's.</exception>
            /// <exception cref="InvalidOperationException">There are no variables, or one is not initialized in the session.</exception>
            /// <exception cref="IOException">Writing failed; the previous checkpoint at that path (if any) and the index are unchanged.</exception>
            public string Save(Session sess, string savePath, long? globalStep = null)
            {
                ArgumentNullException.ThrowIfNull(sess);
                ArgumentException.ThrowIfNullOrEmpty(savePath);
                var values = VariableValues.Read(sess, Resolve(sess), "Saver.Save");

                string path = globalStep is { } step ? $"{savePath}-{step}" : savePath;
                string full = Path.GetFullPath(path);
                if (Path.GetFileName(full).Length == 0 || Directory.Exists(full))
                    throw new ArgumentException(
                        $"Saver.Save: savePath '{savePath}' names a directory; give a file prefix inside it, e.g. '{Path.Combine(savePath, "model")}'.", nameof(savePath));
                if (Path.GetFileName(full) == CheckpointState.FileName)
                    throw new ArgumentException($"Saver.Save: '{CheckpointState.FileName}' is the name of the index file; choose another prefix.", nameof(savePath));
                string dir = Path.GetDirectoryName(full)!;
                Directory.CreateDirectory(dir);
                CheckpointFile.Write(full, values, "Saver.Save");
                DeleteStaleTempFiles(dir, Path.GetFileName(full));
                UpdateIndex(dir, full);
                return path;
            }

            /// <summary>
            /// Assigns the saved values to the variables in <paramref name="sess"/> (no initializer needed). Every variable
            /// is checked before any is assigned. TF: <c>saver.restore(sess, save_path)</c>.
            /// </summary>
            /// <param name="sess">The session whose variables receive the values.</param>
            /// <param name="savePath">A checkpoint file, e.g. the result of <see cref="Save"/> or <see cref="LatestCheckpoint"/>.</param>
            /// <exception cref="FileNotFoundException">There is no such file.</exception>
            /// <exception cref="InvalidDataException">The file is not a valid checkpoint (bad magic, unsupported version,
            /// truncated, checksum mismatch, impossible sizes).</exception>
            /// <exception cref="KeyNotFoundException">A variable has no entry in the file; the message names it and close matches.</exception>
            /// <exception cref="ArgumentException">An entry's shape or dtype differs from its variable's (both are named),
            /// or a variable belongs to another graph.</exception>
            public void Restore(Session sess, string savePath)
            {
                ArgumentNullException.ThrowIfNull(sess);
                ArgumentException.ThrowIfNullOrEmpty(savePath);
                var entries = Resolve(sess);
                var arrays = CheckpointFile.Load(savePath);
                VariableValues.Assign(sess, entries, arrays, $"checkpoint '{savePath}'", "Saver.Restore");
            }

            /// <summary>
            /// The newest checkpoint recorded in <paramref name="directory"/>'s <c>checkpoint</c> index, or null when there
            /// is no index or the file it names does not exist. TF: <c>tf.train.latest_checkpoint(checkpoint_dir)</c>.
            /// </summary>
            /// <exception cref="InvalidDataException">The index file is malformed.</exception>
            public static string? LatestCheckpoint(string directory)
            {
                ArgumentNullException.ThrowIfNull(directory);
                if (!Directory.Exists(directory)) return null;
                var state = CheckpointState.Read(directory);
                if (state?.Latest is not { Length: > 0 } latest) return null;
                var path = Path.IsPathRooted(latest) ? latest : Path.Combine(directory, latest);
                return File.Exists(path) ? path : null;
            }

            private IReadOnlyList<(string Key, Variable Variable)> Resolve(Session sess) =>
                _varMap ?? (_varList ?? sess.Graph.Variables).Select(v => (v.Name, v)).ToArray();

            private void UpdateIndex(string dir, string full)
            {
                if (!_kept.TryGetValue(dir, out var kept))
                {
                    kept = RecoverKept(dir);
                    _kept[dir] = kept;
                }
                kept.Remove(full);
                kept.Add(full);
                var dropped = new List<string>();
                if (MaxToKeep > 0)
                    while (kept.Count > MaxToKeep) { dropped.Add(kept[0]); kept.RemoveAt(0); }
                CheckpointState.Write(dir, Path.GetFileName(full), kept.Select(Path.GetFileName)!);
                _lastDirectory = dir;
                foreach (var p in dropped)
                {
                    try { File.Delete(p); }
                    catch (IOException) { }
                    catch (UnauthorizedAccessException) { }
                }
            }

            /// <summary>Temporary files of earlier saves to the same path that a crash (power loss, kill -9) left behind.</summary>
            private static void DeleteStaleTempFiles(string dir, string fileName)
            {
                try
                {
                    foreach (var stale in Directory.EnumerateFiles(dir, AtomicFile.TempPrefix(fileName) + "*"))
                        File.Delete(stale);
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }

            /// <summary>
            /// The checkpoints an existing index lists, restricted to plain file names in <paramref name="dir"/> that are
            /// Recur checkpoints: a hostile index can never make the saver delete anything else.
            /// </summary>
            private static List<string> RecoverKept(string dir)
            {
                var kept = new List<string>();
                CheckpointState? state;
                try { state = CheckpointState.Read(dir); }
                catch (InvalidDataException) { return kept; }   // a damaged index is rewritten by this save
                if (state is null) return kept;
                foreach (var name in state.All)
                {
                    if (name.Length == 0 || name is "." or ".." || Path.IsPathRooted(name)
                        || name.IndexOfAny(new[] { '/', '\\', Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }) >= 0)
                        continue;
                    var p = Path.Combine(dir, name);
                    if (IsCheckpointFile(p) && !kept.Contains(p)) kept.Add(p);
                }
                return kept;
            }

            private static bool IsCheckpointFile(string path)
            {
                try
                {
                    if (!File.Exists(path)) return false;
                    using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    Span<byte> magic = stackalloc byte[8];
                    return fs.ReadAtLeast(magic, 8, throwOnEndOfStream: false) == 8 && magic.SequenceEqual(CheckpointFile.Magic);
                }
                catch (IOException) { return false; }
                catch (UnauthorizedAccessException) { return false; }
            }
        }
    }
}

using Recur.Rnn;

namespace Recur.Samples;

/// <summary>The one <c>tf.contrib.learn</c> function the blog's program uses.</summary>
public static class ContribLearn
{
    /// <summary>
    /// <c>tf.contrib.learn.run_n(output_dict, feed_dict=None, n=1)</c>: in a new session on the default graph,
    /// initializes the variables, then runs every tensor (or state nest) of <paramref name="outputDict"/>
    /// <paramref name="n"/> times and returns one dictionary of values per run.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, StateValue>> RunN(IReadOnlyDictionary<string, RnnState> outputDict,
        int n = 1, FeedDict? feedDict = null)
    {
        ArgumentNullException.ThrowIfNull(outputDict);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        using var session = new Session();
        session.Run(Tf.GlobalVariablesInitializer());
        var names = outputDict.Keys.ToList();
        var fetches = names.SelectMany(k => outputDict[k].Flatten()).ToList();
        var results = new List<IReadOnlyDictionary<string, StateValue>>(n);
        for (int run = 0; run < n; run++)
        {
            var values = session.Run(fetches, feedDict);
            var dict = new Dictionary<string, StateValue>(StringComparer.Ordinal);
            int offset = 0;
            foreach (var name in names)
            {
                int count = outputDict[name].Flatten().Count;
                dict[name] = StateValue.FromLeaves(outputDict[name], values.Skip(offset).Take(count).ToList());
                offset += count;
            }
            results.Add(dict);
        }
        return results;
    }
}

using System.Collections;

namespace Recur;

/// <summary>
/// Values for placeholders (or any tensor) in one <see cref="Session"/> run. TF equivalent: the <c>feed_dict</c>
/// argument of <c>Session.run</c>.
/// </summary>
/// <example><code>var feeds = new FeedDict { [x] = xValue, [seqLen] = new[] { 10, 6 } };</code></example>
public sealed class FeedDict : IEnumerable<KeyValuePair<Tensor, NDArray>>
{
    private readonly Dictionary<Tensor, NDArray> _values = new();

    /// <summary>The value fed for <paramref name="tensor"/>.</summary>
    public NDArray this[Tensor tensor]
    {
        get => _values[tensor];
        set
        {
            ArgumentNullException.ThrowIfNull(tensor);
            ArgumentNullException.ThrowIfNull(value);
            _values[tensor] = value;
        }
    }

    /// <summary>Adds a feed (collection-initializer form <c>{ x, value }</c>).</summary>
    public void Add(Tensor tensor, NDArray value) => this[tensor] = value;

    /// <summary>Number of feeds.</summary>
    public int Count => _values.Count;

    /// <summary>True when <paramref name="tensor"/> is fed.</summary>
    public bool ContainsKey(Tensor tensor) => _values.ContainsKey(tensor);

    /// <summary>The feeds, enumerable without allocating.</summary>
    internal Dictionary<Tensor, NDArray> Values => _values;

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<Tensor, NDArray>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

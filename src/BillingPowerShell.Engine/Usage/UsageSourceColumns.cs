using System;
using System.Collections;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Read-only, ordered, case-insensitive view of a record's source columns. Implements the non-generic
    /// <see cref="IDictionary"/> too so that PowerShell's <c>$r.SourceColumns.'Meter ID'</c> works.
    /// With duplicate column names, lookup by name returns the first; enumeration yields every column.
    /// </summary>
    public sealed class UsageSourceColumns : IReadOnlyDictionary<string, string>, IDictionary
    {
        private readonly UsageColumnLayout _layout;
        private readonly string[] _values;

        internal UsageSourceColumns(UsageColumnLayout layout, string[] values)
        {
            _layout = layout;
            _values = values;
        }

        public int Count => _values.Length;
        public IReadOnlyList<string> Names => _layout.Names;

        public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException("No source column '" + key + "'.");

        public bool ContainsKey(string key) => key != null && _layout.Index.ContainsKey(key.Trim());

        public bool TryGetValue(string key, out string value)
        {
            if (key != null && _layout.Index.TryGetValue(key.Trim(), out int i) && i < _values.Length)
            {
                value = _values[i];
                return true;
            }
            value = string.Empty;
            return false;
        }

        public IEnumerable<string> Keys => _layout.Names;
        public IEnumerable<string> Values => _values;

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            for (int i = 0; i < _values.Length; i++) yield return new KeyValuePair<string, string>(_layout.Names[i], _values[i]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        // ---- non-generic IDictionary, read-only ----
        object? IDictionary.this[object key]
        {
            get => key is string s && TryGetValue(s, out var v) ? v : null;
            set => throw new NotSupportedException("SourceColumns is read-only.");
        }

        ICollection IDictionary.Keys => _layout.Names;
        ICollection IDictionary.Values => _values;
        bool IDictionary.IsReadOnly => true;
        bool IDictionary.IsFixedSize => true;
        bool ICollection.IsSynchronized => false;
        object ICollection.SyncRoot => this;
        void IDictionary.Add(object key, object? value) => throw new NotSupportedException("SourceColumns is read-only.");
        void IDictionary.Clear() => throw new NotSupportedException("SourceColumns is read-only.");
        void IDictionary.Remove(object key) => throw new NotSupportedException("SourceColumns is read-only.");
        bool IDictionary.Contains(object key) => key is string s && ContainsKey(s);
        void ICollection.CopyTo(Array array, int index)
        {
            for (int i = 0; i < _values.Length; i++) array.SetValue(new DictionaryEntry(_layout.Names[i], _values[i]), index + i);
        }

        IDictionaryEnumerator IDictionary.GetEnumerator() => new Enumerator(this);

        private sealed class Enumerator : IDictionaryEnumerator
        {
            private readonly UsageSourceColumns _c;
            private int _i = -1;
            public Enumerator(UsageSourceColumns c) => _c = c;
            public DictionaryEntry Entry => new DictionaryEntry(_c._layout.Names[_i], _c._values[_i]);
            public object Key => _c._layout.Names[_i];
            public object? Value => _c._values[_i];
            public object Current => Entry;
            public bool MoveNext() => ++_i < _c._values.Length;
            public void Reset() => _i = -1;
        }
    }
}

using Microsoft.ML;
using Faces.MLNet;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Data;

/// <summary>
/// A split's arrays as an ML.NET IDataView, read in place: a Features vector (a copy of one row into the reader's
/// buffer per row) and a Label key whose key values are the class names. The row count is known, so a trainer's
/// reader allocates its buffer once. Its cursors read every row in order, so Faces' batch scorer may read Features
/// straight from the split's array (<see cref="IRowMajorFeatures"/>).
/// </summary>
internal sealed class SplitDataView : IDataView, IRowMajorFeatures
{
    private readonly FaceSplit split;

    public SplitDataView(FaceSplit split, IReadOnlyList<string> classNames)
    {
        this.split = split;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, split.Dimension));
        var annotations = new DataViewSchema.Annotations.Builder();
        var names = new VBuffer<ReadOnlyMemory<char>>(classNames.Count, classNames.Select(n => n.AsMemory()).ToArray());
        annotations.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, classNames.Count),
            (ref VBuffer<ReadOnlyMemory<char>> value) => names.CopyTo(ref value));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classNames.Count), annotations.ToAnnotations());
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => split.Count;

    public bool TryGetRows(DataViewSchema.Column column, out ReadOnlyMemory<float> rows)
    {
        bool features = column.Index == FeaturesIndex && column.Name == Schema[FeaturesIndex].Name && column.Type.Equals(Schema[FeaturesIndex].Type);
        rows = features ? split.Features.AsMemory(0, split.Count * split.Dimension) : default;
        return features;
    }

    private const int FeaturesIndex = 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new DataViewRowCursor[] { new Cursor(this) };

    private sealed class Cursor(SplitDataView parent) : DataViewRowCursor
    {
        private long position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => position;
        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (position + 1 >= parent.split.Count)
            {
                position = parent.split.Count;
                return false;
            }
            position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var row = parent.split.Row((int)position);
                    var editor = VBufferEditor.Create(ref value, row.Length);
                    row.CopyTo(editor.Values);
                    value = editor.Commit();
                }),
                1 => (ValueGetter<uint>)((ref uint value) => value = (uint)parent.split.Labels[position] + 1),
                _ => throw new ArgumentOutOfRangeException(nameof(column)),
            };
            return getter as ValueGetter<TValue>
                   ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)position, 0);
    }
}

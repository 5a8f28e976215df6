using Microsoft.ML;

namespace Faces.MLNet;

/// <summary>
/// An IDataView that keeps a float-vector column as one array, row after row, in the order its cursors read the rows
/// (row i at cursor position i, every cursor, every row). Faces' batch scorer then reads a batch of rows in place,
/// where through a getter each row would be copied out first. Views that cannot promise this order do not implement it.
/// </summary>
public interface IRowMajorFeatures
{
    /// <summary>The values of <paramref name="column"/>, [rows × vector size], or false when this view does not hold that column so.</summary>
    bool TryGetRows(DataViewSchema.Column column, out ReadOnlyMemory<float> rows);
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Detection;

/// <summary>Faces' image transforms on <c>mlContext.Transforms</c>.</summary>
public static class FaceTransformsCatalog
{
    /// <summary>
    /// The largest face of each image in <paramref name="inputColumnName"/> (an image column, e.g. LoadImages' output)
    /// as <paramref name="outputColumnName"/>, and <c>{outputColumnName}Found</c> (Boolean). Put it between LoadImages
    /// and ResizeImages.
    /// </summary>
    public static FaceCroppingEstimator CropFace(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, FaceDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FaceCroppingEstimator(CatalogUtils.GetEnvironment(catalog), outputColumnName, inputColumnName, options ?? new FaceDetectorOptions());
    }
}

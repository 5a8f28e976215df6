using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Detection;

/// <summary>Faces' image transforms on <c>mlContext.Transforms</c>.</summary>
public static class FaceTransformsCatalog
{
    /// <summary>
    /// The largest face of each image file named in <paramref name="inputColumnName"/> (a text column of paths) as a
    /// <paramref name="side"/>² Features vector in [0, 1], read exactly as <c>faces predict</c> reads a face, and
    /// <c>{outputColumnName}Found</c> (Boolean). The step to train on photos with: a Faces trainer takes its output as is.
    /// </summary>
    public static FaceFeaturesEstimator FaceFeatures(this TransformsCatalog catalog, string outputColumnName = "Features", string inputColumnName = "ImagePath",
        int side = Imaging.ImageShape.FaceSide, FaceDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FaceFeaturesEstimator(CatalogUtils.GetEnvironment(catalog), outputColumnName, inputColumnName, side, options ?? new FaceDetectorOptions());
    }

    /// <summary>
    /// The largest face of each image in <paramref name="inputColumnName"/> (an image column, e.g. LoadImages' output)
    /// as <paramref name="outputColumnName"/>, and <c>{outputColumnName}Found</c> (Boolean). Put it between LoadImages
    /// and ResizeImages; the pixels are then ML.NET's image transforms', not those <c>faces predict</c> reads
    /// (<see cref="FaceFeatures"/> gives those).
    /// </summary>
    public static FaceCroppingEstimator CropFace(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, FaceDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FaceCroppingEstimator(CatalogUtils.GetEnvironment(catalog), outputColumnName, inputColumnName, options ?? new FaceDetectorOptions());
    }
}

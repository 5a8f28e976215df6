using System.Text.Json;
using Faces.Pipelines.Training;
using System.CommandLine;
using System.Globalization;
using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Cli;

/// <summary><c>faces predict</c>: the class and probabilities of each image file, through ImageAnalytics and a saved model.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var command = new Command("predict", "Predict the class of image files (any size or colour; read as grayscale at the model's input size).");
        var model = CommonOptions.Model("The model .zip written by faces train or faces demo.");
        var images = new Argument<FileInfo[]>("IMAGE") { Description = "Image files (PNG, JPEG, BMP, GIF, WebP).", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON array on standard output instead of a table." };
        command.Options.Add(model);
        command.Options.Add(json);
        command.Arguments.Add(images);
        command.SetAction(result =>
        {
            var ml = Scratch.NewContext(1);
            var file = result.GetValue(model)!;
            var transformer = ModelFiles.LoadClassifier(ml, file.FullName, out var inputSchema);
            int size = (inputSchema["Features"].Type as VectorDataViewType)?.Size ?? 0;
            int side = (int)Math.Round(Math.Sqrt(size));
            if (side * side != size)
                throw new InvalidDataException($"{file.Name}: the model takes {size} features, not a square grayscale image; predict reads images only for square grayscale models.");
            var classNames = (IReadOnlyList<string>?)Evaluation.ModelEvaluator.ClassNames(transformer, inputSchema)
                             ?? Enumerable.Range(0, ((VectorDataViewType)transformer.GetOutputSchema(inputSchema)["Score"].Type).Size).Select(i => $"class {i}").ToList();

            // Every file is checked on its own: a bad one gets its reason on its line, the others are still predicted.
            var paths = result.GetValue(images)!.Select(i => i.FullName).ToList();
            var errors = new Dictionary<string, string>();
            foreach (var path in paths)
            {
                try
                {
                    ImageFiles.Check(path);
                }
                catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
                {
                    errors[path] = e.Message;
                }
            }
            var readable = paths.Where(p => !errors.ContainsKey(p)).Distinct().ToList();
            var scores = new Dictionary<string, float[]>();
            if (readable.Count > 0)
            {
                var rows = new FaceSplit("images", ImagePixels.Load(ml, readable, new ImageShape(side, side)), new int[readable.Count], size);
                var scored = transformer.Transform(FaceDataset.ToDataView(ml, rows, classNames)).GetColumn<float[]>("Score").ToList();
                for (int i = 0; i < readable.Count; i++) scores[readable[i]] = scored[i];
            }

            var predictions = paths.Select(path => new Prediction(path, errors.GetValueOrDefault(path), scores.GetValueOrDefault(path), classNames)).ToList();
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(predictions.Select(p => p.ToJson()), new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                Console.WriteLine($"file\texpression\tprobability\t{string.Join(" ", classNames)}");
                foreach (var p in predictions) Console.WriteLine(p.ToLine());
            }
            if (errors.Count == 0) return 0;
            Console.Error.WriteLine($"faces: error: {errors.Count} of {paths.Count} image(s) could not be read (their lines say why); the first: " +
                                    CommandLineErrors.OneLine(errors.First().Value));
            return CommandLineErrors.BadInput;
        });
        return command;
    }

    private sealed record Prediction(string File, string? Error, float[]? Scores, IReadOnlyList<string> ClassNames)
    {
        private int Best => Array.IndexOf(Scores!, Scores!.Max());

        public string ToLine() => Error != null
            ? $"{CommandLineErrors.OneLine(File)}\terror\t-\t{CommandLineErrors.OneLine(Error)}"
            : $"{CommandLineErrors.OneLine(File)}\t{ClassNames[Best]}\t{Scores![Best].ToString("F3", CultureInfo.InvariantCulture)}\t" +
              string.Join(" ", ClassNames.Select((c, k) => $"{c}={Scores[k].ToString("F3", CultureInfo.InvariantCulture)}"));

        public object ToJson() => Error != null
            ? new { file = File, error = Error }
            : new
            {
                file = File, expression = ClassNames[Best], probability = Scores![Best],
                probabilities = ClassNames.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => Scores[x.k]),
            };
    }
}

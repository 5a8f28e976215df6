using Faces.Pipelines.Training;
using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Cli.Commands;

/// <summary><c>faces score</c>: scores raw Features rows from a CSV with a saved ML.NET model and prints the Score vectors.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var command = new Command("score", "Score rows of feature values (one CSV row per example) with a saved model .zip; prints the Score (or --column) vectors as CSV.");
        var model = new Option<FileInfo>("--model") { Description = "The model .zip (ML.NET's Model.Save).", Required = true };
        var csv = new Option<FileInfo>("--csv") { Description = "Feature rows, comma-separated floats, no header.", Required = true };
        var column = new Option<string>("--column") { Description = "The output column to print (a vector of Single).", DefaultValueFactory = _ => "Score" };
        command.Options.Add(model);
        command.Options.Add(csv);
        command.Options.Add(column);
        command.SetAction(result =>
        {
            var modelFile = result.GetValue(model)!;
            var csvFile = result.GetValue(csv)!;
            if (!modelFile.Exists) throw new FileNotFoundException($"Model file not found: {modelFile.FullName}");
            if (!csvFile.Exists) throw new FileNotFoundException($"Feature file not found: {csvFile.FullName}");
            var ml = Scratch.NewContext(1);
            var transformer = ModelFiles.Load(ml, modelFile.FullName, out var inputSchema);
            var featureType = inputSchema["Features"].Type as VectorDataViewType
                              ?? throw new InvalidDataException($"{modelFile.Name}: the model's Features column is not a vector.");
            var rows = TextLines.Read(csvFile.FullName).Where(l => l.Text.Trim().Length > 0).Select(line =>
            {
                var fields = line.Text.Split(',');
                if (fields.Length != featureType.Size)
                    throw new InvalidDataException($"{csvFile.FullName} line {line.Number}: {fields.Length} values; the model expects {featureType.Size}.");
                var values = new float[fields.Length];
                for (int i = 0; i < fields.Length; i++)
                    if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                        throw new InvalidDataException($"{csvFile.FullName} line {line.Number} column {i + 1}: '{fields[i].Trim()}' is not a finite number.");
                return values;
            }).ToList();
            var scored = transformer.Transform(FeatureRow.Load(ml, rows, featureType.Size));
            string name = result.GetValue(column)!;
            if (scored.Schema.GetColumnOrNull(name)?.Type is not VectorDataViewType { ItemType: var item } || item != NumberDataViewType.Single)
                throw new ArgumentException($"--column {name}: the model has no vector-of-Single output of that name.");
            foreach (var score in scored.GetColumn<float[]>(name))
                Console.WriteLine(string.Join(",", score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
            return 0;
        });
        return command;
    }
}

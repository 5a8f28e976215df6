// A minimal web API around a saved Faces model .zip (any Faces classifier whose input is a Features vector):
//
//   dotnet run -- --model model.zip --urls http://127.0.0.1:5080
//   POST /predict {"features":[...]}  →  {"predicted":"happy","scores":{"anger":0.01,…}}
//
// PredictionEngine is not thread-safe: requests borrow one from a pool (Microsoft.Extensions.ObjectPool, part of
// ASP.NET Core) over the one loaded model, as Microsoft.Extensions.ML's PredictionEnginePool does.
using Faces.MLNet;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

var builder = WebApplication.CreateBuilder(args);
string modelPath = builder.Configuration["model"] ?? throw new ArgumentException("Give the model: --model model.zip");
var ml = new MLContext(seed: 1);
var model = ml.Model.Load(modelPath, out var inputSchema);
int size = ((VectorDataViewType)inputSchema["Features"].Type).Size;
var classes = ClassNames(model, inputSchema);
var engines = new DefaultObjectPool<PredictionEngine<Input, Output>>(new EnginePolicy(ml, model, inputSchema), Environment.ProcessorCount);

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok("ok"));
app.MapPost("/predict", (Request request) =>
{
    if (request.Features is not { } features || features.Length != size)
        return Results.Problem($"features must hold {size} numbers", statusCode: 400);
    var engine = engines.Get();
    try
    {
        var scores = engine.Predict(new Input { Features = features }).Score;
        int best = Array.IndexOf(scores, scores.Max());
        return Results.Ok(new { predicted = classes[best], scores = classes.Zip(scores).ToDictionary(p => p.First, p => p.Second) });
    }
    finally
    {
        engines.Return(engine);
    }
});
app.Run();

static string[] ClassNames(ITransformer model, DataViewSchema schema)
{
    var score = model.GetOutputSchema(schema)["Score"];
    var names = default(VBuffer<ReadOnlyMemory<char>>);
    score.GetSlotNames(ref names);
    return names.DenseValues().Select(n => n.ToString()).ToArray();
}

internal sealed record Request(float[]? Features);

internal sealed class Input
{
    public float[] Features { get; set; } = Array.Empty<float>();
}

internal sealed class Output
{
    public float[] Score { get; set; } = Array.Empty<float>();
}

internal sealed class EnginePolicy(MLContext ml, ITransformer model, DataViewSchema schema) : PooledObjectPolicy<PredictionEngine<Input, Output>>
{
    public override PredictionEngine<Input, Output> Create()
    {
        var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Input));
        definition[nameof(Input.Features)].ColumnType = schema["Features"].Type;
        return ml.Model.CreatePredictionEngine<Input, Output>(model, inputSchemaDefinition: definition);
    }

    public override bool Return(PredictionEngine<Input, Output> engine) => true;
}

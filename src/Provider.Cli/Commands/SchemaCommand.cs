using System.CommandLine;
using System.Text;
using Provider.Nodes.Repository;
using Provider.Planning.Inputs;

namespace Provider.Cli.Commands;

/// <summary>`schema --out DIR`: publish the JSON Schemas of every input file, for editors and CI.</summary>
public static class SchemaCommand
{
    private static readonly Option<string> OutOption = new("--out")
    {
        Description = "Directory to write the schema files into.",
        Required = true,
    };

    public static Command Create(CliConsole console)
    {
        var command = new Command("schema", "Write the JSON Schemas of provider.yaml, node.yaml and hostenv.yaml.");
        command.Options.Add(OutOption);
        command.SetAction((result, _) =>
        {
            var dir = result.GetValue(OutOption) ?? ".";
            foreach (var (name, text) in Schemas.All())
            {
                var path = Path.Combine(dir, name);
                AtomicFile.Write(path, Encoding.UTF8.GetBytes(text.EndsWith('\n') ? text : text + "\n"));
                console.Error.WriteLine("wrote " + path);
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

using Provider.Planning.Output;
using Provider.Planning.Plan;
using Provider.Planning.Tests.Summary;

namespace Provider.Planning.Tests.Plan;

/// <summary>
/// A release's fingerprint hashes the planned app settings as plan.json holds them. The typed model must give the same
/// canonical bytes, or every environment would redeploy once after an upgrade of the tool.
/// </summary>
public class AppPlanJsonTests
{
    public static TheoryData<string> Sources() => new(Golden.PlanSources());

    [Theory]
    [MemberData(nameof(Sources))]
    public void ToJson_EveryPlannedApp_SameCanonicalBytesAsThePlanFile(string source)
    {
        var json = Golden.Plan(source);
        var plan = PlanReader.Read(Golden.PlanText(source)).Plan;
        Assert.NotNull(plan);

        var apps = 0;
        foreach (var (user, env) in plan.Environments.Where(e => e.Value.App is not null))
        {
            var expected = CanonicalJson.SerializeToString(json["environments"]![user]!["app"]!.AsObject());
            Assert.Equal(expected, CanonicalJson.SerializeToString(env.App!.ToJson()));
            apps++;
        }

        Assert.True(apps > 0 || plan.Environments.IsEmpty || plan.Environments.Values.All(e => e.App is null));
    }
}

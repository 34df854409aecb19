Console.WriteLine("hostenv-provider");

// switchboard: the command-line entry point (serve | project | migrate | replay | audit | demo-seed).
int main() { return 0; }

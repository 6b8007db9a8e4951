// locus: one binary, one file per subcommand.
#include <cstdio>

int main(int argc, char** argv) {
    std::puts("locus");
    return 0;
}

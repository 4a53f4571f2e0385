#include <iostream>
#include <fstream>

// Near-miss: a macro body is not parsed, and an endl in a comment is text.
#define NEWLINE std::endl

void log_all(std::ostream& out, int n) {
    for (int i = 0; i < n; ++i) {
        out << "row " << i << std::endl;  // expect: cpp/avoid-endl
    }
    out << "done\n";  // std::endl here would flush
}

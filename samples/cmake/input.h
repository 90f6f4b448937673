/* input.h -- the sample's fixed input pattern. */
#ifndef INPUT_H
#define INPUT_H

/* x[i] = ((i * 7) % 13) / 13 - 0.5 for i < n. */
void input_fill(float *x, int n);

#endif

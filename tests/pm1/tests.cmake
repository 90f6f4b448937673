# -quantize=pm1:wKaM: test_pm1 (unit, uses the backend harness) checks bit
# exactness on every backend; fmnist.sh the sample's accuracy and the
# popcount instructions in the armv8, riscv64 and x86 objects.
if(TARGET test_pm1)
  target_sources(test_pm1 PRIVATE ${PROJECT_SOURCE_DIR}/tests/backends/harness.c)
endif()

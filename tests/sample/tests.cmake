# Fashion-MNIST sample: the model in samples/fmnist, compiled by qcc, must
# reproduce PyTorch on all 10,000 test images: the same accuracy, the same
# argmax on every image (a difference counts only where PyTorch's top two
# logits tie within 1e-5, and each one is listed), and every logit within
# 1e-3 of PyTorch's.  samples/fmnist/run.sh compiles the model, builds
# classify.c against it and runs it with -ref; classify exits 1 on any
# mismatch, which fails the test.  Needs dataset-fashion-mnist.
set(QCC_SAMPLE_FMNIST ${PROJECT_SOURCE_DIR}/samples/fmnist)

add_test(NAME sample.fmnist_object_reproduces_pytorch_on_every_test_image
	COMMAND bash ${QCC_SAMPLE_FMNIST}/run.sh $<TARGET_FILE:qcc>
		${CMAKE_CURRENT_BINARY_DIR}/sample/fmnist-obj obj)
set_tests_properties(sample.fmnist_object_reproduces_pytorch_on_every_test_image
	PROPERTIES LABELS sample TIMEOUT 600
	ENVIRONMENT CC=${CMAKE_C_COMPILER})

add_test(NAME sample.fmnist_c_with_gcc_reproduces_pytorch_on_every_test_image
	COMMAND bash ${QCC_SAMPLE_FMNIST}/run.sh $<TARGET_FILE:qcc>
		${CMAKE_CURRENT_BINARY_DIR}/sample/fmnist-c c)
set_tests_properties(sample.fmnist_c_with_gcc_reproduces_pytorch_on_every_test_image
	PROPERTIES LABELS sample TIMEOUT 600
	ENVIRONMENT CC=gcc)

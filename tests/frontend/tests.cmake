# Frontend unit tests build their ONNX models in memory with onnx_builder.c.
file(GLOB QCC_FRONTEND_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_*.c)
foreach(src ${QCC_FRONTEND_TESTS})
  get_filename_component(name ${src} NAME_WE)
  target_sources(${name} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/onnx_builder.c)
endforeach()
